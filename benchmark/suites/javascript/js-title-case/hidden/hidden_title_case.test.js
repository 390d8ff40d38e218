"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { titleCase } = require("./titles");

test("case 1", () => {
  assert.deepStrictEqual(titleCase("the GREAT  gatsby"), "The Great Gatsby");
});

test("case 2", () => {
  assert.deepStrictEqual(titleCase(""), "");
});

test("case 3", () => {
  assert.deepStrictEqual(titleCase("a"), "A");
});

test("case 4", () => {
  assert.deepStrictEqual(titleCase("  hello   world "), "Hello World");
});

test("case 5", () => {
  assert.deepStrictEqual(titleCase("mIxEd caSe"), "Mixed Case");
});
