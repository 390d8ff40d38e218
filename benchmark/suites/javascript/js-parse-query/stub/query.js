function parseQuery() {
  throw new Error("not implemented");
}

module.exports = { parseQuery };
