"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { maxBy } = require("./maxby");

test("case 1", () => {
  assert.deepStrictEqual(maxBy(["aa", "b", "ccc"], (s) => s.length), "ccc");
});

test("case 2", () => {
  assert.deepStrictEqual(maxBy([], (x) => x), undefined);
});

test("case 3", () => {
  assert.deepStrictEqual(maxBy([{n: 1, id: "a"}, {n: 3, id: "b"}, {n: 3, id: "c"}], (o) => o.n), {n: 3, id: "b"});
});

test("case 4", () => {
  assert.deepStrictEqual(maxBy([-5, -2, -9], (x) => x), -2);
});
