// Runs inside the `ocremote` namespace: TCP exchange servers, UDP reply servers, and on command
// a connection from 10.231.0.5 to the pod (a remotely originated flow).
import dgram from 'node:dgram';
import net from 'node:net';
import readline from 'node:readline';
import { close, connect, exchange, serveExchange } from './exchange.mjs';

const servers = [];
const listen = (host, port) =>
  new Promise((resolve) => {
    const s = serveExchange(net.createServer());
    servers.push(s);
    s.listen(port, host, resolve);
  });
const udp = (type, host, port) =>
  new Promise((resolve) => {
    const s = dgram.createSocket(type);
    servers.push(s);
    // Each datagram asks for a reply of the size in its first two bytes.
    s.on('message', (msg, rinfo) =>
      s.send(Buffer.alloc(msg.readUInt16BE(0), 0x63), rinfo.port, rinfo.address),
    );
    s.bind(port, host, resolve);
  });

await Promise.all([
  listen('10.231.0.3', 7001),
  listen('10.231.0.3', 7004),
  listen('fd00:231::3', 7001),
  listen('fd00:231::3', 7004),
  udp('udp4', '10.231.0.4', 7002),
  udp('udp6', 'fd00:231::4', 7002),
]);
process.stdout.write('ready\n');

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, a, b] = line.trim().split(' ');
  if (cmd === 'connect') {
    const sock = await connect('10.231.0.2', 7003, '10.231.0.5');
    await exchange(sock, Number(a), Number(b));
    await close(sock);
    process.stdout.write('connect-done\n');
  } else if (cmd === 'exit') break;
}
for (const s of servers) s.close();
process.exit(0);
