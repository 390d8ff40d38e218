function parseQuery(query) {
  const out = {};
  const text = query.startsWith("?") ? query.slice(1) : query;
  for (const pair of text.split("&")) {
    if (!pair) continue;
    const at = pair.indexOf("=");
    const raw = at === -1 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
    const [key, value] = raw.map((s) => decodeURIComponent(s.replace(/\+/g, " ")));
    out[key] = value;
  }
  return out;
}

module.exports = { parseQuery };
