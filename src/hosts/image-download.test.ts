import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCapiGateError } from '../core/errors.js';
import { DOWNLOAD_USER_AGENT, parseContentRange, stageImage, stagedFileName } from './image-download.js';

const DATA = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
const SHA = createHash('sha512').update(DATA).digest('hex');

interface Seen { headers: IncomingHttpHeaders; path: string }

async function cdn(opts: { data?: Buffer; etag?: string; ignoreRange?: boolean; redirect?: boolean } = {}) {
  const seen: Seen[] = [];
  let data = opts.data ?? DATA;
  let etag = opts.etag ?? '"v1"';
  const server = createServer((req, res) => {
    seen.push({ headers: req.headers, path: req.url ?? '' });
    if (/^Python-urllib\//.test(req.headers['user-agent'] ?? '')) return void res.writeHead(403).end('Forbidden');
    if (opts.redirect && req.url === '/old/img.qcow2') return void res.writeHead(302, { location: '/img.qcow2' }).end();
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (m && !opts.ignoreRange && (ifRange === undefined || ifRange === etag)) {
      const start = Number(m[1]);
      if (start >= data.length) return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      res.writeHead(206, { etag, 'content-length': String(data.length - start), 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` });
      return void res.end(data.subarray(start));
    }
    res.writeHead(200, { etag, 'content-length': String(data.length) });
    res.end(data);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base, seen,
    set: (d: Buffer, e: string) => { data = d; etag = e; },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function dir() {
  const d = mkdtempSync(join(tmpdir(), 'capi-gate-dl-'));
  return { d, cleanup: () => rmSync(d, { recursive: true, force: true }) };
}

const sig = () => new AbortController().signal;
const opts = (url: string, d: string, sha512 = SHA) => ({ url, sha512, dir: d, trust: { ca: undefined, insecure: false }, headTimeoutMs: 5000, idleTimeoutMs: 5000 });

test('downloads with a curl-style User-Agent, hashes while streaming, follows a redirect, reports progress', async () => {
  const c = await cdn({ redirect: true });
  const t = dir();
  try {
    const progress: number[] = [];
    const r = await stageImage({ ...opts(`${c.base}/old/img.qcow2`, t.d), progressEveryMs: 0, onProgress: (p) => progress.push(p.receivedBytes) }, sig());
    assert.equal(r.sha512, SHA);
    assert.equal(r.reused, false);
    assert.equal(r.path, join(t.d, 'img.qcow2'));
    assert.deepEqual(readFileSync(r.path), DATA);
    assert.ok(c.seen.every((s) => s.headers['user-agent'] === DOWNLOAD_USER_AGENT));
    assert.match(DOWNLOAD_USER_AGENT, /^curl\//);
    assert.equal(progress[progress.length - 1], DATA.length);
    assert.ok(!existsSync(`${r.path}.part`) && !existsSync(`${r.path}.part.json`));
  } finally {
    t.cleanup();
    await c.close();
  }
});

test('a staged file that already matches is reused without a request (the runbook\'s [OK] skip)', async () => {
  const c = await cdn();
  const t = dir();
  try {
    writeFileSync(join(t.d, 'img.qcow2'), DATA);
    const r = await stageImage(opts(`${c.base}/img.qcow2`, t.d), sig());
    assert.equal(r.reused, true);
    assert.equal(c.seen.length, 0);
  } finally {
    t.cleanup();
    await c.close();
  }
});

test('a partial download resumes with Range + If-Range and the final sha512 covers both parts', async () => {
  const c = await cdn();
  const t = dir();
  try {
    writeFileSync(join(t.d, 'img.qcow2.part'), DATA.subarray(0, 100_000));
    writeFileSync(join(t.d, 'img.qcow2.part.json'), JSON.stringify({ url: `${c.base}/img.qcow2`, validator: '"v1"' }));
    const r = await stageImage(opts(`${c.base}/img.qcow2`, t.d), sig());
    assert.equal(c.seen[0]?.headers.range, 'bytes=100000-');
    assert.equal(c.seen[0]?.headers['if-range'], '"v1"');
    assert.equal(r.resumedFromBytes, 100_000);
    assert.equal(r.downloadedBytes, DATA.length - 100_000);
    assert.equal(r.sha512, SHA);
  } finally {
    t.cleanup();
    await c.close();
  }
});

test('a changed object (If-Range fails -> 200) or a server ignoring Range restarts from zero', async () => {
  for (const variant of ['changed', 'ignored'] as const) {
    const c = await cdn(variant === 'ignored' ? { ignoreRange: true } : {});
    const t = dir();
    try {
      writeFileSync(join(t.d, 'img.qcow2.part'), Buffer.alloc(100_000, 9)); // stale bytes of another version
      writeFileSync(join(t.d, 'img.qcow2.part.json'), JSON.stringify({ url: `${c.base}/img.qcow2`, validator: '"v0"' }));
      const r = await stageImage(opts(`${c.base}/img.qcow2`, t.d), sig());
      assert.equal(r.sha512, SHA, variant);
      assert.deepEqual(readFileSync(r.path), DATA, variant);
    } finally {
      t.cleanup();
      await c.close();
    }
  }
});

test('a complete .part answered with 416 is finished without downloading again', async () => {
  const c = await cdn();
  const t = dir();
  try {
    writeFileSync(join(t.d, 'img.qcow2.part'), DATA);
    writeFileSync(join(t.d, 'img.qcow2.part.json'), JSON.stringify({ url: `${c.base}/img.qcow2`, validator: '"v1"' }));
    const r = await stageImage(opts(`${c.base}/img.qcow2`, t.d), sig());
    assert.equal(r.sha512, SHA);
    assert.equal(r.downloadedBytes, 0);
  } finally {
    t.cleanup();
    await c.close();
  }
});

test('sha512 mismatch: fails with both hashes, keeps the file as NAME.sha512-mismatch, leaves no staged image', async () => {
  const c = await cdn();
  const t = dir();
  const wrong = 'a'.repeat(128);
  try {
    await assert.rejects(stageImage(opts(`${c.base}/img.qcow2`, t.d, wrong), sig()), (e: unknown) => {
      assert.ok(isCapiGateError(e, 'CAPI_GATE_PRECONDITION'));
      assert.match(e.message, new RegExp(`expected ${wrong}, got ${SHA}`));
      assert.equal(e.blocks['Expected'], wrong);
      assert.equal(e.blocks['Got'], SHA);
      assert.match(e.hint ?? '', /Nothing was uploaded.*sha512-mismatch/);
      return true;
    });
    assert.ok(!existsSync(join(t.d, 'img.qcow2')));
    assert.deepEqual(readFileSync(join(t.d, 'img.qcow2.sha512-mismatch')), DATA);
  } finally {
    t.cleanup();
    await c.close();
  }
});

test('a stale staged file that does not match is set aside, then the image is downloaded', async () => {
  const c = await cdn();
  const t = dir();
  try {
    writeFileSync(join(t.d, 'img.qcow2'), 'stale');
    const r = await stageImage(opts(`${c.base}/img.qcow2`, t.d), sig());
    assert.equal(r.sha512, SHA);
    assert.equal(r.setAside, join(t.d, 'img.qcow2.sha512-mismatch'));
    assert.equal(readFileSync(join(t.d, 'img.qcow2.sha512-mismatch'), 'utf8'), 'stale');
  } finally {
    t.cleanup();
    await c.close();
  }
});

test('a 403 from the CDN names FINDING-3 and the User-Agent sent', async () => {
  const c = await cdn();
  const t = dir();
  try {
    await assert.rejects(stageImage({ ...opts(`${c.base}/img.qcow2`, t.d), userAgent: 'Python-urllib/3.11' }, sig()), (e: unknown) =>
      isCapiGateError(e, 'CAPI_GATE_API') && /403/.test(e.message) && /Python-urllib\/3\.11/.test(e.message) && /FINDING-3/.test(e.hint ?? ''));
  } finally {
    t.cleanup();
    await c.close();
  }
});

test('file names and Content-Range parsing', () => {
  assert.equal(stagedFileName('https://cdn.example/a/ubuntu-jammy-kube-v1.34.8-260518-1604.qcow2?x=1'), 'ubuntu-jammy-kube-v1.34.8-260518-1604.qcow2');
  assert.equal(stagedFileName('https://cdn.example/'), 'image.qcow2');
  assert.deepEqual(parseContentRange('bytes 100-199/1000'), { start: 100, total: 1000 });
  assert.deepEqual(parseContentRange('bytes */1000'), { start: undefined, total: 1000 });
  assert.equal(parseContentRange('items 1-2/3'), undefined);
});
