function groupBy() {
  throw new Error("not implemented");
}

module.exports = { groupBy };
