"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { rgbToHex, hexToRgb } = require("./colour");

test("case 1", () => {
  assert.deepStrictEqual(rgbToHex(255, 128, 0), "#ff8000");
});

test("case 2", () => {
  assert.deepStrictEqual(rgbToHex(0, 0, 0), "#000000");
});

test("case 3", () => {
  assert.deepStrictEqual(rgbToHex(1, 2, 3), "#010203");
});

test("case 4", () => {
  assert.throws(() => rgbToHex(256, 0, 0));
});

test("case 5", () => {
  assert.throws(() => rgbToHex(0, -1, 0));
});

test("case 6", () => {
  assert.deepStrictEqual(hexToRgb("#FF8000"), [255, 128, 0]);
});

test("case 7", () => {
  assert.deepStrictEqual(hexToRgb("#0a0b0c"), [10, 11, 12]);
});

test("rgbToHex throws a RangeError", () => {
  assert.throws(() => rgbToHex(0, 0, 300), RangeError);
});
