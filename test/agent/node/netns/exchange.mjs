// The byte-exact exchange used by the kernel test: the client sends an 8-byte header
// (u32 bytes it will send next, u32 bytes it wants back) and that many bytes; the server reads
// them all, then writes the requested bytes. Payload bytes per direction are known exactly.
import net from 'node:net';

export function serveExchange(server) {
  server.on('connection', (sock) => {
    let buf = Buffer.alloc(0);
    let need = -1;
    let reply = 0;
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (need < 0) {
          if (buf.length < 8) return;
          need = buf.readUInt32BE(0);
          reply = buf.readUInt32BE(4);
          buf = buf.subarray(8);
        }
        if (buf.length < need) return;
        buf = buf.subarray(need);
        need = -1;
        sock.write(Buffer.alloc(reply, 0x61));
      }
    });
    sock.on('error', () => {});
    sock.on('end', () => sock.end());
  });
  return server;
}

/** One exchange on an open socket: send `up` payload bytes (+8 header), receive `down`. */
export function exchange(sock, up, down) {
  return new Promise((resolve, reject) => {
    let got = 0;
    const onData = (c) => {
      got += c.length;
      if (got >= down) {
        sock.off('data', onData);
        resolve();
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(up, 0);
    head.writeUInt32BE(down, 4);
    sock.write(head);
    sock.write(Buffer.alloc(up, 0x62));
    if (down === 0) resolve();
  });
}

export function connect(host, port, localAddress) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, localAddress });
    sock.once('connect', () => resolve(sock));
    sock.once('error', reject);
  });
}

/** Closes a socket and waits until both sides are done. */
export function close(sock) {
  return new Promise((resolve) => {
    sock.once('close', resolve);
    sock.end();
  });
}
