// Runs inside the `ocpod` namespace (the local pod 10.231.0.2 / fd00:231::2): long-lived and short
// TCP connections over IPv4 and IPv6, UDP over both, and a server for remotely originated flows.
// Prints the payload bytes it moved per remote address after each phase.
import dgram from 'node:dgram';
import net from 'node:net';
import readline from 'node:readline';
import { close, connect, exchange, serveExchange } from './exchange.mjs';

const server = serveExchange(net.createServer());
await new Promise((resolve) => server.listen(7003, '10.231.0.2', resolve));

const long4 = await connect('10.231.0.3', 7001, '10.231.0.2');
const long6 = await connect('fd00:231::3', 7001, 'fd00:231::2');
// Traffic before the collector's first read: it must not be counted.
await exchange(long4, 10_000, 10_000);
await exchange(long6, 10_000, 10_000);
const pre = await connect('10.231.0.3', 7004, '10.231.0.2');
await exchange(pre, 5_000, 5_000);
await close(pre);
process.stdout.write('pre-done\n');

async function udpRound(type, host, localAddress, count, size, reply) {
  const s = dgram.createSocket(type);
  await new Promise((resolve) => s.bind(0, localAddress, resolve));
  let got = 0;
  const done = new Promise((resolve) =>
    s.on('message', () => {
      if (++got === count) resolve();
    }),
  );
  for (let i = 0; i < count; i++) {
    const msg = Buffer.alloc(size, 0x64);
    msg.writeUInt16BE(reply, 0);
    await new Promise((resolve) => s.send(msg, 7002, host, resolve));
  }
  await done;
  s.close();
}

async function shorts(host, local, n, up, down) {
  for (let i = 0; i < n; i++) {
    const sock = await connect(host, 7004, local);
    await exchange(sock, up, down);
    await close(sock);
  }
}

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const cmd = line.trim();
  if (cmd === 'go') {
    await exchange(long4, 200_000, 100_000);
    await exchange(long6, 200_000, 100_000);
    await shorts('10.231.0.3', '10.231.0.2', 3, 50_000, 20_000);
    await shorts('fd00:231::3', 'fd00:231::2', 3, 50_000, 20_000);
    await udpRound('udp4', '10.231.0.4', '10.231.0.2', 50, 1000, 500);
    await udpRound('udp6', 'fd00:231::4', 'fd00:231::2', 50, 1000, 500);
    process.stdout.write('go-done\n');
  } else if (cmd === 'exit') break;
}
long4.destroy();
long6.destroy();
server.close();
process.exit(0);
