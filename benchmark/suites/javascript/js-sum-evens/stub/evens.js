function sumEvens() {
  throw new Error("not implemented");
}

module.exports = { sumEvens };
