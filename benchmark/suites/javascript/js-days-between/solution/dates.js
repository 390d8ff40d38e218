function toDays(text) {
  const [y, m, d] = text.split("-").map(Number);
  return Date.UTC(y, m - 1, d) / 86400000;
}

function daysBetween(a, b) {
  return Math.abs(toDays(b) - toDays(a));
}

module.exports = { daysBetween };
