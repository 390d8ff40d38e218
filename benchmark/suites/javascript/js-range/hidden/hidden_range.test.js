"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { range } = require("./range");

test("case 1", () => {
  assert.deepStrictEqual(range(0, 4), [0, 1, 2, 3]);
});

test("case 2", () => {
  assert.deepStrictEqual(range(5, 0, -2), [5, 3, 1]);
});

test("case 3", () => {
  assert.deepStrictEqual(range(2, 2), []);
});

test("case 4", () => {
  assert.deepStrictEqual(range(0, 10, 3), [0, 3, 6, 9]);
});

test("case 5", () => {
  assert.deepStrictEqual(range(0, 5, -1), []);
});

test("case 6", () => {
  assert.throws(() => range(0, 5, 0));
});
