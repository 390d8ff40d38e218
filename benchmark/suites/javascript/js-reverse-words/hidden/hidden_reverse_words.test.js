"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { reverseWords } = require("./words");

test("case 1", () => {
  assert.deepStrictEqual(reverseWords("one two  three"), "three two one");
});

test("case 2", () => {
  assert.deepStrictEqual(reverseWords(""), "");
});

test("case 3", () => {
  assert.deepStrictEqual(reverseWords("   "), "");
});

test("case 4", () => {
  assert.deepStrictEqual(reverseWords("solo"), "solo");
});

test("case 5", () => {
  assert.deepStrictEqual(reverseWords(" a\tb\nc "), "c b a");
});
