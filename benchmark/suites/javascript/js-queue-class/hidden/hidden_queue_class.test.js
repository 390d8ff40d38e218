"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { Queue } = require("./queue");

test("case 1", () => {
  assert.deepStrictEqual(new Queue().size, 0);
});

test("case 2", () => {
  assert.deepStrictEqual(new Queue().dequeue(), undefined);
});

test("case 3", () => {
  assert.deepStrictEqual(new Queue().peek(), undefined);
});

test("case 4", () => {
  assert.deepStrictEqual(new Queue().enqueue('a'), 1);
});

test("first in, first out", () => {
  const q = new Queue();
  q.enqueue(1);
  q.enqueue(2);
  assert.equal(q.enqueue(3), 3);
  assert.equal(q.peek(), 1);
  assert.equal(q.dequeue(), 1);
  assert.equal(q.dequeue(), 2);
  assert.equal(q.size, 1);
  assert.equal(q.dequeue(), 3);
  assert.equal(q.dequeue(), undefined);
  assert.equal(q.size, 0);
});
