"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { rowSums, columnSums } = require("./sums");

test("case 1", () => {
  assert.deepStrictEqual(rowSums([[1, 2], [3, 4], [5, 6]]), [3, 7, 11]);
});

test("case 2", () => {
  assert.deepStrictEqual(columnSums([[1, 2], [3, 4], [5, 6]]), [9, 12]);
});

test("case 3", () => {
  assert.deepStrictEqual(rowSums([]), []);
});

test("case 4", () => {
  assert.deepStrictEqual(columnSums([]), []);
});

test("case 5", () => {
  assert.deepStrictEqual(columnSums([[7, 8, 9]]), [7, 8, 9]);
});
