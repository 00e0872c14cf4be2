#!/usr/bin/env node
// Summarises V8 .cpuprofile files (node --cpu-prof, the bench's --cpu-prof DIR): the total
// sampled CPU time, the self time by function and by source (file or package), most first.
//
//   node scripts/cpuprofile-top.mjs [--top N] FILE_OR_DIR...
//
// A directory: every *.cpuprofile in it, summed (e.g. the ten runs of a fleet).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
let top = 25;
const inputs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else inputs.push(args[i]);
}
if (!inputs.length || !(top > 0)) {
  console.error('usage: node scripts/cpuprofile-top.mjs [--top N] FILE_OR_DIR...');
  process.exit(2);
}
const files = inputs.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(p, f)) : [p]));

const byFn = new Map();
const bySrc = new Map();
let totalUs = 0;
const add = (m, k, us) => m.set(k, (m.get(k) ?? 0) + us);
function source(url) {
  if (!url) return '(native / vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 13).split('/').slice(0, url.slice(nm + 13).startsWith('@') ? 2 : 1).join('/');
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
}
for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8'));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  for (const [id, us] of self) {
    const n = nodes.get(id);
    const cf = n.callFrame;
    totalUs += cf.functionName === '(idle)' ? 0 : us;
    if (cf.functionName === '(idle)') continue;
    const src = source(cf.url);
    add(byFn, `${cf.functionName || '(anonymous)'} ${src}:${cf.lineNumber + 1}`, us);
    add(bySrc, src, us);
  }
}
const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const pc = (us) => `${((100 * us) / totalUs).toFixed(1).padStart(5)} %`;
console.log(`${files.length} profile(s), ${(totalUs / 1e6).toFixed(2)} CPU-s sampled (idle excluded)\n\nself ms by source:`);
for (const [k, us] of [...bySrc].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(us)} ${pc(us)}  ${k}`);
console.log('\nself ms by function:');
for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(us)} ${pc(us)}  ${k}`);
