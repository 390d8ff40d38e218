function daysBetween() {
  throw new Error("not implemented");
}

module.exports = { daysBetween };
