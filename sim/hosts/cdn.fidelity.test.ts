// The CDN stand-in with the real curl: curl's own User-Agent gets the image (200, sha512 as the
// manifest says), `-A Python-urllib/3.11` gets 403 (FINDING-3), and `curl -C -` resumes with a
// Range request (206).

import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleSite } from '../../test/helpers.js';
import { startHostSims } from './index.js';

function need(t: TestContext, tool: string): boolean {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0) return true;
  const why = `${tool} not installed (apt-get install -y ${tool})`;
  if (process.env['CI']) assert.fail(`CI must install it: ${why}`);
  t.skip(why);
  return false;
}

/** curl runs asynchronously: the CDN lives in this process. */
function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }));
  });
}

test('real curl: 200 with curl\'s UA and the manifest sha512; 403 to Python-urllib; -C - resumes with 206', async (t) => {
  if (!need(t, 'curl')) return;
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-curl-'));
  const h = await startHostSims({ site: exampleSite().site, outDir: dir, mapAddress: (ip) => ip.replace(/^10\.12\./, '127.218.'), imageBytes: 512 * 1024 });
  try {
    const ca = h.files.caBundle;
    const out = join(dir, 'img.qcow2');
    const ok = await curl(['-fsSL', '--cacert', ca, '-o', out, '-w', '%{http_code}', h.cdn.imageUrl]);
    assert.equal(ok.stdout, '200', ok.stderr);
    const manifest = JSON.parse((await curl(['-fsS', '--cacert', ca, h.cdn.manifestUrl])).stdout) as Record<string, { sha512: string; checksum: string }>;
    const entry = manifest[exampleSite().site.image.name];
    assert.equal(createHash('sha512').update(readFileSync(out)).digest('hex'), entry?.sha512);
    assert.equal(entry?.checksum, `sha512:${h.cdn.sha512}`);
    assert.equal(h.siteOverlay.image?.sha512, h.cdn.sha512);
    assert.match(h.cdn.requests[0]?.userAgent ?? '', /^curl\/\d/);

    const blocked = await curl(['-sS', '--cacert', ca, '-A', 'Python-urllib/3.11', '-o', '/dev/null', '-w', '%{http_code}', h.cdn.imageUrl]);
    assert.equal(blocked.stdout, '403');
    const f = await curl(['-fsS', '--cacert', ca, '-A', 'Python-urllib/3.10', '-o', '/dev/null', h.cdn.imageUrl]);
    assert.equal(f.code, 22, 'curl -f exits 22 on the 403');

    // Resume: keep the first 100 000 bytes, let curl continue where they end.
    writeFileSync(out, readFileSync(out).subarray(0, 100_000));
    const resumed = await curl(['-fsS', '--cacert', ca, '-C', '-', '-o', out, '-w', '%{http_code}', h.cdn.imageUrl]);
    assert.equal(resumed.stdout, '206');
    assert.equal(h.cdn.requests[h.cdn.requests.length - 1]?.range, 'bytes=100000-');
    assert.equal(createHash('sha512').update(readFileSync(out)).digest('hex'), h.cdn.sha512);
    // TLS is real: without the sim CA curl refuses the certificate.
    const untrusted = await curl(['-sS', '-o', '/dev/null', h.cdn.imageUrl]);
    assert.equal(untrusted.code, 60);
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
