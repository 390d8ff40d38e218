const args = process.argv.slice(2);
const loud = args.includes("--loud");
const name = args.find((a) => a !== "--loud") || "world";
const greeting = `Hello, ${name}!`;
console.log(loud ? greeting.toUpperCase() : greeting);
