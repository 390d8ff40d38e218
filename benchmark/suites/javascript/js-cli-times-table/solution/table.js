const n = Number(process.argv[2]);
if (process.argv[2] === undefined || !Number.isInteger(n)) {
  console.error("usage: node table.js N");
  process.exit(2);
}
for (let i = 1; i <= 10; i++) console.log(`${i} x ${n} = ${i * n}`);
