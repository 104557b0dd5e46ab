// The local SMTP server for `npm run bench -- outbox` in its own process (forked by benchOutbox in test/bench/index.ts),
// so that the server's parsing does not share the sending client's event loop (as with a real server; the SCIM bench
// does the same). Sends { ready: port } once listening; answers 'count' with the messages received and the CPU time
// this process used since the last 'reset'; exits on 'close' or when its parent goes.
import { SMTPServer } from 'smtp-server';

const server = new SMTPServer({
  logger: false,
  closeTimeout: 200,
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  onData(stream, _session, cb) {
    stream.resume();
    stream.on('end', () => {
      received++;
      cb(null);
    });
  },
});
let received = 0;
let cpu0 = process.cpuUsage();

server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.send!({ ready: address && typeof address === 'object' ? address.port : 0 });
});
process.on('message', (m: unknown) => {
  if (m === 'count') {
    const used = process.cpuUsage(cpu0);
    process.send!({ count: received, cpuMs: (used.user + used.system) / 1000 });
  } else if (m === 'reset') {
    received = 0;
    cpu0 = process.cpuUsage();
  } else if (m === 'close') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
