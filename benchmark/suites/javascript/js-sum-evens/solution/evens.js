function sumEvens(numbers) {
  return numbers.filter((n) => n % 2 === 0).reduce((a, b) => a + b, 0);
}

module.exports = { sumEvens };
