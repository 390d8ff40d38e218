function titleCase(text) {
  return text.split(" ").filter((w) => w.length > 0)
    .map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join(" ");
}

module.exports = { titleCase };
