// Secret canaries (issue 6, reliability): the admin and tenant passwords and the app-cred secret
// from the simulator's clouds.yaml, a private key at the site's mgmtVm.sshKey, token-shaped
// values in the environment, and a wrong password (an error path that quotes the failed call).
// The full CLI runs; every output, log, report, journal and evidence file under the run
// directories is searched for each canary in raw, JSON-escaped and base64 form. 0 leaks. The
// same outputs and files are searched for any PEM private key (the workload kubeconfig's client
// key is none of the canaries: made during the run, it is known to no one beforehand). 0 found.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { realClock } from '../../src/core/clock.js';
import { cleanupCommand } from '../../src/cli/cmd-cleanup.js';
import { tempDir } from '../helpers.js';
import { cli, filesUnder, privateKeysIn, siteVariantText, writeTally, startSim } from './harness.js';

function forms(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString('base64')].filter((s) => s.length >= 8);
}

test('secret canaries never appear in any output, log, report, journal or evidence file', { timeout: 300_000 }, async (t) => {
  const tmp = tempDir('capi-gate-rel-canary-');
  const sim = await startSim(join(tmp.dir, 'sim'), ['--time-scale', '0.005']);
  const outputs: { name: string; text: string }[] = [];
  try {
    const clouds = parse(readFileSync(join(sim.dir, 'clouds.yaml'), 'utf8')) as { clouds: Record<string, { auth: Record<string, string> }> };
    const canaries: Record<string, string> = {
      'admin password': clouds.clouds['sim-admin']!.auth['password']!,
      'tenant password': clouds.clouds['sim-tenant']!.auth['password']!,
      'app-cred secret': clouds.clouds['sim-appcred']!.auth['application_credential_secret']!,
      'env token': 'gAAAAABcanaryTOKENcanaryTOKENcanaryTOKENcanaryTOKEN0042',
      'vault token': 'hvs.CANARYvaultTOKEN0000000000000042',
      'wrong password': 'Canary-Wrong-Passw0rd-4242',
    };
    // The private key the site points at: the simulator's own when it writes one, else a canary.
    const siteText = readFileSync(sim.site, 'utf8');
    const keyRel = (/^\s+sshKey:\s*(\S+)/m.exec(siteText) ?? [])[1] ?? './id_ed25519';
    const keyPath = resolve(sim.dir, keyRel);
    if (!existsSync(keyPath)) {
      writeFileSync(keyPath, `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACANARYPRIVATEKEYBODYcanaryprivatekeybody4242\n-----END OPENSSH PRIVATE KEY-----\n`, { mode: 0o600 });
    }
    const keyBody = readFileSync(keyPath, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----')).sort((a, b) => b.length - a.length)[0];
    if (keyBody && keyBody.length >= 16) canaries['private key'] = keyBody;
    for (const [k, v] of Object.entries(canaries)) assert.ok(v && v.length >= 8, `canary ${k} is set`);

    const env = { ...sim.env, OS_TOKEN: canaries['env token'], OS_AUTH_TOKEN: canaries['env token'], VAULT_TOKEN: canaries['vault token'] };
    const site = join(sim.dir, 'site-canary.yaml');
    writeFileSync(site, siteVariantText(siteText, 'canary-1'));
    const runs = join(tmp.dir, 'runs');
    const keep = (name: string, r: { stdout: string; stderr: string }) => outputs.push({ name, text: r.stdout + r.stderr });

    // The full run, then every report format, doctor and cleanup.
    const run = await cli(['run', '--site', site, '--runs-dir', runs], { env, timeoutMs: 240_000 });
    keep('run', run);
    assert.ok(run.code !== null && [0, 1, 4].includes(run.code), `run exit ${run.code}: ${run.stderr}`);
    const runId = readdirSync(runs).filter((d) => d !== 'doctor')[0]!;
    for (const format of ['md', 'json', 'junit', 'html']) keep(`report ${format}`, await cli(['--runs-dir', runs, 'report', runId, '--format', format], { env }));
    keep('doctor', await cli(['doctor', '--site', site, '--runs-dir', runs], { env, timeoutMs: 120_000 }));
    let cleanupText = '';
    const out = { isTTY: false, color: false, line: (s = '') => { cleanupText += `${s}\n`; }, err: (s: string) => { cleanupText += `${s}\n`; }, raw: (s: string) => { cleanupText += s; } };
    await cleanupCommand(out, { site, remediate: false, clock: realClock, signal: new AbortController().signal, env, yes: true });
    outputs.push({ name: 'cleanup', text: cleanupText });

    // An error path: the tenant password is wrong (the failed call is quoted in the message).
    const wrongClouds = join(sim.dir, 'clouds-wrong.yaml');
    writeFileSync(wrongClouds, readFileSync(join(sim.dir, 'clouds.yaml'), 'utf8').split(canaries['tenant password']!).join(canaries['wrong password']!));
    const wrongSite = join(sim.dir, 'site-wrong.yaml');
    writeFileSync(wrongSite, siteVariantText(siteText, 'canary-2').replace(/cloudsFile:\s*\S+/, `cloudsFile: ${wrongClouds}`));
    const wrong = await cli(['run', '--site', wrongSite, '--runs-dir', runs, '--only', '8.0.prereqs'], { env: { ...env, OS_CLIENT_CONFIG_FILE: wrongClouds }, timeoutMs: 120_000 });
    keep('run with a wrong password', wrong);
    assert.notEqual(wrong.code, 0, 'the wrong password is refused');

    const files = filesUnder(runs).map((f) => ({ name: f, text: readFileSync(f).toString('latin1') }));
    const scanned = [...outputs, ...files];
    const leaks: string[] = [];
    for (const [label, secret] of Object.entries(canaries)) {
      for (const form of forms(secret)) {
        for (const s of scanned) if (s.text.includes(form)) leaks.push(`${label} in ${s.name}`);
      }
    }
    const keys = scanned.map((s) => ({ name: s.name, n: privateKeysIn(s.text) })).filter((k) => k.n > 0);
    const keysFound = keys.reduce((n, k) => n + k.n, 0);
    t.diagnostic(`${Object.keys(canaries).length} canaries, ${scanned.length} outputs and files scanned; private keys found: ${keysFound}`);
    writeTally({ part: 'canaries', secretsLeaked: leaks.length, filesScanned: scanned.length, privateKeysFound: keysFound });
    assert.ok(files.length >= 8, `only ${files.length} files under the run directory`);
    assert.ok(files.some((f) => f.name.endsWith(join('evidence', '8.3', 'kubeconfig'))), 'the run wrote its workload kubeconfig (the file the key scan must see)');
    assert.deepEqual(leaks, []);
    assert.deepEqual(keys.map((k) => `${k.n} in ${k.name}`), [], 'no PEM private key in any output or file');
  } finally {
    await sim.stop();
    tmp.cleanup();
  }
});
