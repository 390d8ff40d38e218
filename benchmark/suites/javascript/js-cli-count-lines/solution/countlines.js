const fs = require("fs");

const text = fs.readFileSync(0, "utf8");
const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
const filled = lines.filter((l) => l.trim() !== "").length;
console.log(`lines: ${filled}`);
console.log(`blank: ${lines.length - filled}`);
