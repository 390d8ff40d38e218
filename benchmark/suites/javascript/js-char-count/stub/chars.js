function charCount() {
  throw new Error("not implemented");
}

module.exports = { charCount };
