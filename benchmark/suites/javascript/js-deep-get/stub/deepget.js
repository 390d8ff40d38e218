function deepGet() {
  throw new Error("not implemented");
}

module.exports = { deepGet };
