function titleCase() {
  throw new Error("not implemented");
}

module.exports = { titleCase };
