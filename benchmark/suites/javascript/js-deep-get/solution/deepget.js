function deepGet(obj, path, fallback) {
  let current = obj;
  for (const part of path.split(".")) {
    if (current === undefined || current === null) return fallback;
    current = current[part];
  }
  return current === undefined || current === null ? fallback : current;
}

module.exports = { deepGet };
