"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { groupBy } = require("./group");

test("case 1", () => {
  assert.deepStrictEqual(groupBy([{t: "a", n: 1}, {t: "b", n: 2}, {t: "a", n: 3}], "t"), { a: [{t: "a", n: 1}, {t: "a", n: 3}], b: [{t: "b", n: 2}] });
});

test("case 2", () => {
  assert.deepStrictEqual(groupBy([], "t"), {});
});

test("case 3", () => {
  assert.deepStrictEqual(groupBy([{x: 1}, {y: 2}], "x"), { "1": [{x: 1}] });
});
