function reverseWords(sentence) {
  return sentence.split(/\s+/).filter(Boolean).reverse().join(" ");
}

module.exports = { reverseWords };
