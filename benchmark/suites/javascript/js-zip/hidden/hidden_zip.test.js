"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { zip } = require("./zip");

test("case 1", () => {
  assert.deepStrictEqual(zip([1, 2, 3], ["x", "y"]), [[1, "x"], [2, "y"]]);
});

test("case 2", () => {
  assert.deepStrictEqual(zip([], [1]), []);
});

test("case 3", () => {
  assert.deepStrictEqual(zip([1], [2]), [[1, 2]]);
});
