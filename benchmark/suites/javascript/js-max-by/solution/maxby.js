function maxBy(items, score) {
  let best;
  let bestScore = -Infinity;
  for (const item of items) {
    const s = score(item);
    if (best === undefined || s > bestScore) {
      best = item;
      bestScore = s;
    }
  }
  return best;
}

module.exports = { maxBy };
