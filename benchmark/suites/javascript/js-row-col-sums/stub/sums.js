function rowSums() {
  throw new Error("not implemented");
}

function columnSums() {
  throw new Error("not implemented");
}

module.exports = { rowSums, columnSums };
