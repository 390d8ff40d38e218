"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { parseQuery } = require("./query");

test("case 1", () => {
  assert.deepStrictEqual(parseQuery("?q=hello+world&lang=en&flag"), { q: "hello world", lang: "en", flag: "" });
});

test("case 2", () => {
  assert.deepStrictEqual(parseQuery(""), {});
});

test("case 3", () => {
  assert.deepStrictEqual(parseQuery("a=1&a=2"), { a: "2" });
});

test("case 4", () => {
  assert.deepStrictEqual(parseQuery("name=J%C3%BCrgen&&x=a%26b"), { name: "Jürgen", x: "a&b" });
});
