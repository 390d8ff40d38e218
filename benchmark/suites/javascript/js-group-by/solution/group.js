function groupBy(items, key) {
  const groups = {};
  for (const item of items) {
    if (!(key in item)) continue;
    const value = String(item[key]);
    (groups[value] = groups[value] || []).push(item);
  }
  return groups;
}

module.exports = { groupBy };
