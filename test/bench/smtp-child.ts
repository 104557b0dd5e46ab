// The local SMTP server for `npm run bench -- outbox` in its own process (forked by benchOutbox in test/bench/index.ts),
// so that the server's parsing does not share the sending client's event loop (as with a real server; the SCIM bench
// does the same). Sends { ready: port } once listening; answers 'count' with the messages received since the last
// 'reset'; exits on 'close' or when its parent goes.
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

server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.send!({ ready: address && typeof address === 'object' ? address.port : 0 });
});
process.on('message', (m: unknown) => {
  if (m === 'count') process.send!({ count: received });
  else if (m === 'reset') received = 0;
  else if (m === 'close') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
