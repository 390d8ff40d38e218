function maxBy() {
  throw new Error("not implemented");
}

module.exports = { maxBy };
