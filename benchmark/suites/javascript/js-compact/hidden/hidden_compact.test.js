"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { compact } = require("./compact");

test("case 1", () => {
  assert.deepStrictEqual(compact([0, 1, "", "a", null, 2]), [1, "a", 2]);
});

test("case 2", () => {
  assert.deepStrictEqual(compact([]), []);
});

test("case 3", () => {
  assert.deepStrictEqual(compact([NaN, undefined, false]), []);
});

test("case 4", () => {
  assert.deepStrictEqual(compact([[], {}, "0"]), [[], {}, "0"]);
});
