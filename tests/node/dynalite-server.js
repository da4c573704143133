// Starts dynalite (an in-memory DynamoDB) on 127.0.0.1 with a free port and prints "listening PORT".
// dynalite's own CLI ignores --port 0, so the tests start it from here. It exits when stdin closes,
// so a test process that dies never leaves a server behind.
const dynalite = require('dynalite');

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
