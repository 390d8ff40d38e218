function reverseWords() {
  throw new Error("not implemented");
}

module.exports = { reverseWords };
