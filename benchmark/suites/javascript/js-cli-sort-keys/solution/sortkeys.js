const fs = require("fs");

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

let data;
try {
  data = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
} catch (err) {
  console.error("error: invalid JSON");
  process.exit(1);
}
console.log(JSON.stringify(sortKeys(data), null, 2));
