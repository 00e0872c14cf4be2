// The start of the single executable (scripts/build-sea.mjs puts the CLI bundle after it, inside
// function __capiGateMain). Node's SEA gives the main script a require that knows only Node's
// built-in modules and no package folder, so before the CLI runs this:
// - unpacks the files the CLI reads at run time (package.json, dist/build-info.json, the
//   simulator's scenarios, docs/site.example.yaml, the licence notices), embedded as SEA assets,
//   into $XDG_CACHE_HOME/capi-gate/<build> (or ~/.cache/..., else the temp dir) once per build,
//   and names that folder in globalThis.__capiGatePackageRoot;
// - runs `capi-gate-linux-x64 --capi-gate-script FILE ARGS...` as `node FILE ARGS...` would
//   (a CommonJS script with Node's built-ins: the simulator's juju stand-in), since there is no
//   node to run it with.
// ssh2 asks that require for its native binding, gets an error and takes its pure-JS ciphers.
'use strict';
/* global __capiGateMain */
(function capiGateSeaEntry() {
  const sea = require('node:sea');
  const fs = require('node:fs');
  const path = require('node:path');
  const os = require('node:os');
  globalThis.__capiGateSea = true;

  if (process.argv[2] === '--capi-gate-script') {
    const file = path.resolve(process.argv[3] ?? '');
    const Module = require('node:module');
    const vm = require('node:vm');
    process.argv.splice(1, 3, file);
    const mod = { exports: {} };
    const fn = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file }).runInThisContext();
    fn(mod.exports, require, mod, file, path.dirname(file));
    return;
  }

  const manifest = JSON.parse(sea.getAsset('manifest.json', 'utf8'));
  const bases = [process.env.XDG_CACHE_HOME, os.homedir() && path.join(os.homedir(), '.cache'), os.tmpdir()].filter(Boolean);
  let root;
  for (const base of bases) {
    const dir = path.join(base, 'capi-gate', manifest.build);
    if (fs.existsSync(path.join(dir, '.complete'))) {
      root = dir;
      break;
    }
    const tmp = `${dir}.${process.pid}.tmp`;
    try {
      for (const name of manifest.files) {
        fs.mkdirSync(path.dirname(path.join(tmp, name)), { recursive: true });
        fs.writeFileSync(path.join(tmp, name), new Uint8Array(sea.getAsset(name)));
      }
      fs.writeFileSync(path.join(tmp, '.complete'), `${manifest.build}\n`);
      try {
        fs.renameSync(tmp, dir);
      } catch (e) {
        // Another process unpacked the same build first: use its copy.
        fs.rmSync(tmp, { recursive: true, force: true });
        if (!fs.existsSync(path.join(dir, '.complete'))) throw e;
      }
      root = dir;
      break;
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true });
      // not writable here: try the next place
    }
  }
  if (!root) {
    process.stderr.write(`CAPI_GATE_USAGE: capi-gate cannot unpack its files into ${bases.map((b) => path.join(b, 'capi-gate')).join(' or ')}\n  Hint: set XDG_CACHE_HOME to a writable directory\n`);
    process.exitCode = 2;
    return;
  }
  globalThis.__capiGatePackageRoot = root;
  __capiGateMain();
})();
