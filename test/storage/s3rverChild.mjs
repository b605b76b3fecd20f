// Runs s3rver in its own process for tests. s3rver's ListObjectsV2 continuation tokens use DES,
// which OpenSSL 3 only offers through the legacy provider, so the parent starts this with
// --openssl-legacy-provider; a separate process also makes a stop a real outage for clients.
import S3rver from 's3rver';

const [port, directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
const address = await server.run();
process.stdout.write(`listening ${address.port}\n`);
const stop = async () => {
  server.httpServer?.closeAllConnections();
  await server.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
