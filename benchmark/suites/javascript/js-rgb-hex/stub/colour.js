function rgbToHex() {
  throw new Error("not implemented");
}

function hexToRgb() {
  throw new Error("not implemented");
}

module.exports = { rgbToHex, hexToRgb };
