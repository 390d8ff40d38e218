"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { charCount } = require("./chars");

test("case 1", () => {
  assert.deepStrictEqual(charCount("aab a"), { a: 3, b: 1 });
});

test("case 2", () => {
  assert.deepStrictEqual(charCount(""), {});
});

test("case 3", () => {
  assert.deepStrictEqual(charCount("Aa"), { A: 1, a: 1 });
});

test("case 4", () => {
  assert.deepStrictEqual(charCount("x!x!"), { x: 2, "!": 2 });
});
