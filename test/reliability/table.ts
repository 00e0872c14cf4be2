// Prints the reliability table from the tallies the *.reliability.test.ts files wrote
// (test-artifacts/reliability/*.json). `--reset` removes them first (run it before the tier).
// Exits 1 when a part is missing, a secret leaked, a private key was found, or a count is below the issue-6 bar.
import { rmSync } from 'node:fs';
import { TALLY_DIR, readTallies, renderTable } from './harness.js';

const PARTS = ['site-files', 'command-lines', 'api-faults', 'kill-resume', 'canaries', 'scenarios-incidents', 'scenarios-stuck-delete'];

if (process.argv.includes('--reset')) {
  rmSync(TALLY_DIR, { recursive: true, force: true });
} else {
  const ts = readTallies();
  process.stdout.write(`\n${renderTable(ts)}\n`);
  const sum = (k: 'killPointsSurvived' | 'badInputsTried' | 'secretsLeaked' | 'privateKeysFound' | 'scenariosPassed' | 'scenariosTried') => ts.reduce((n, t) => n + (t[k] ?? 0), 0);
  const missing = PARTS.filter((p) => !ts.some((t) => t.part === p));
  const bad = [
    ...missing.map((p) => `part ${p} did not report`),
    ...(sum('secretsLeaked') > 0 ? [`${sum('secretsLeaked')} secrets leaked`] : []),
    ...(sum('privateKeysFound') > 0 ? [`${sum('privateKeysFound')} private keys found`] : []),
    ...(sum('killPointsSurvived') < 20 ? ['fewer than 20 kill points survived'] : []),
    ...(sum('badInputsTried') < 200 ? ['fewer than 200 bad inputs tried'] : []),
    ...(sum('scenariosPassed') < sum('scenariosTried') ? ['a scenario failed'] : []),
  ];
  for (const n of ts.flatMap((t) => (t.notes ?? []).map((x) => `${t.part}: ${x}`))) process.stdout.write(`note: ${n}\n`);
  if (bad.length) process.stdout.write(`NOT MET: ${bad.join('; ')}\n`);
  process.exitCode = bad.length ? 1 : 0;
}
