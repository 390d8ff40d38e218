function formatCents() {
  throw new Error("not implemented");
}

module.exports = { formatCents };
