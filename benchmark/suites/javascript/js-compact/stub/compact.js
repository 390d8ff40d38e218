function compact() {
  throw new Error("not implemented");
}

module.exports = { compact };
