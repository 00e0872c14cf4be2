#!/usr/bin/env node
// What ssh2's pure-JS path costs (the single executable cannot load ssh2's native binding;
// docs/install.md): an ssh2 server and client on 127.0.0.1 in one process, N handshakes each
// running one command (what D-011.3 does to the mgmt VM), then one channel carrying 16 MB.
// Run it twice: `node bench/ssh2-binding.mjs` (binding) and `node bench/ssh2-binding.mjs --no-binding`.
import { createRequire } from 'node:module';
import { generateKeyPairSync } from 'node:crypto';

const require = createRequire(import.meta.url);
const noBinding = process.argv.includes('--no-binding');
if (noBinding) {
  const Module = require('node:module');
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (/sshcrypto\.node$/.test(request)) throw new Error('binding disabled for the measurement');
    return load.call(this, request, ...rest);
  };
}
const { Server, Client } = require('ssh2');
const { bindingAvailable } = require('ssh2/lib/protocol/crypto.js');
const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20);
const hostKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' });
const payload = Buffer.alloc(16 * 1024 * 1024, 7);

const server = new Server({ hostKeys: [hostKey] }, (client) => {
  client.on('authentication', (ctx) => ctx.accept());
  client.on('ready', () => client.on('session', (accept) => {
    const session = accept();
    session.on('exec', (acceptExec, _reject, info) => {
      const ch = acceptExec();
      if (info.command === 'bulk') ch.end(payload);
      else ch.end('ok\n');
      ch.exit(0);
    });
  }));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

function once(command) {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let bytes = 0;
    c.on('ready', () => c.exec(command, (err, stream) => {
      if (err) return reject(err);
      stream.on('data', (d) => { bytes += d.length; });
      stream.on('close', () => { c.end(); resolve(bytes); });
    }));
    c.on('error', reject);
    c.connect({ host: '127.0.0.1', port, username: 'ubuntu', password: 'x', hostVerifier: () => true });
  });
}

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
await once('warm');
let c0 = cpu(); let t0 = performance.now();
for (let i = 0; i < N; i++) await once('true');
const hsCpu = (cpu() - c0) / N; const hsWall = (performance.now() - t0) / N;
c0 = cpu(); t0 = performance.now();
const bytes = await once('bulk');
const bulkCpu = cpu() - c0; const bulkWall = (performance.now() - t0) / 1000;
server.close();
console.log(`ssh2 ${noBinding ? 'pure JS' : 'native binding'} (binding loaded: ${bindingAvailable}): handshake + exec ${hsWall.toFixed(1)} ms wall, ${(hsCpu * 1000).toFixed(1)} ms CPU (both ends, mean of ${N}); ${bytes / 1e6} MB through one channel: ${bulkWall.toFixed(2)} s, ${bulkCpu.toFixed(2)} CPU-s (${(bytes / 1e6 / bulkWall).toFixed(0)} MB/s)`);
