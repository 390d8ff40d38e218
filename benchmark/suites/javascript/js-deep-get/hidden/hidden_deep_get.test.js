"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { deepGet } = require("./deepget");

test("case 1", () => {
  assert.deepStrictEqual(deepGet({a: {b: [5, {c: 7}]}}, "a.b.1.c", 0), 7);
});

test("case 2", () => {
  assert.deepStrictEqual(deepGet({a: 1}, "a.x.y", "none"), "none");
});

test("case 3", () => {
  assert.deepStrictEqual(deepGet({a: {b: 0}}, "a.b", 9), 0);
});

test("case 4", () => {
  assert.deepStrictEqual(deepGet({items: [{name: "n"}]}, "items.0.name"), "n");
});

test("case 5", () => {
  assert.deepStrictEqual(deepGet({a: null}, "a.b", "fb"), "fb");
});

test("case 6", () => {
  assert.deepStrictEqual(deepGet({a: {b: false}}, "a.b", true), false);
});
