function zip() {
  throw new Error("not implemented");
}

module.exports = { zip };
