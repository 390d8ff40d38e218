function rgbToHex(r, g, b) {
  return "#" + [r, g, b].map((v) => {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError("colour values are 0..255");
    return v.toString(16).padStart(2, "0");
  }).join("");
}

function hexToRgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

module.exports = { rgbToHex, hexToRgb };
