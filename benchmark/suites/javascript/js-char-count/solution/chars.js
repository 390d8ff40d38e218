function charCount(text) {
  const counts = {};
  for (const ch of text) {
    if (ch !== " ") counts[ch] = (counts[ch] || 0) + 1;
  }
  return counts;
}

module.exports = { charCount };
