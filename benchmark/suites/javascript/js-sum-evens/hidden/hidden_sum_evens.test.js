"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { sumEvens } = require("./evens");

test("case 1", () => {
  assert.deepStrictEqual(sumEvens([1, 2, 3, 4]), 6);
});

test("case 2", () => {
  assert.deepStrictEqual(sumEvens([]), 0);
});

test("case 3", () => {
  assert.deepStrictEqual(sumEvens([1, 3, 5]), 0);
});

test("case 4", () => {
  assert.deepStrictEqual(sumEvens([-2, -3, 10]), 8);
});
