"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { daysBetween } = require("./dates");

test("case 1", () => {
  assert.deepStrictEqual(daysBetween("2024-01-01", "2024-03-01"), 60);
});

test("case 2", () => {
  assert.deepStrictEqual(daysBetween("2024-03-01", "2024-01-01"), 60);
});

test("case 3", () => {
  assert.deepStrictEqual(daysBetween("2023-05-05", "2023-05-05"), 0);
});

test("case 4", () => {
  assert.deepStrictEqual(daysBetween("1999-12-31", "2000-01-01"), 1);
});

test("case 5", () => {
  assert.deepStrictEqual(daysBetween("2023-01-01", "2024-01-01"), 365);
});
