// The environment a client of a simulated site runs in: the site's clouds.yaml and no other OS_*
// variable (a stray OS_CLOUD or OS_AUTH_URL would point the client elsewhere), and the site's
// bin/ (its ssh, juju, kubectl shims) first on PATH.

export function clientEnv(cloudsFile: string, binDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of Object.keys(env)) if (k.startsWith('OS_')) delete env[k];
  env['OS_CLIENT_CONFIG_FILE'] = cloudsFile;
  env['PATH'] = `${binDir}:${base['PATH'] ?? ''}`;
  return env;
}
