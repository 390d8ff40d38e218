"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { formatCents } = require("./money");

test("case 1", () => {
  assert.deepStrictEqual(formatCents(123456), "$1,234.56");
});

test("case 2", () => {
  assert.deepStrictEqual(formatCents(5), "$0.05");
});

test("case 3", () => {
  assert.deepStrictEqual(formatCents(-250), "-$2.50");
});

test("case 4", () => {
  assert.deepStrictEqual(formatCents(0), "$0.00");
});

test("case 5", () => {
  assert.deepStrictEqual(formatCents(100000000), "$1,000,000.00");
});

test("case 6", () => {
  assert.deepStrictEqual(formatCents(99999), "$999.99");
});
