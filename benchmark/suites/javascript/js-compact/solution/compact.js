function compact(values) {
  return values.filter(Boolean);
}

module.exports = { compact };
