function rowSums(matrix) {
  return matrix.map((row) => row.reduce((a, b) => a + b, 0));
}

function columnSums(matrix) {
  if (matrix.length === 0) return [];
  return matrix[0].map((_, i) => matrix.reduce((sum, row) => sum + row[i], 0));
}

module.exports = { rowSums, columnSums };
