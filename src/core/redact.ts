// Redaction belongs to every sink (STYLE 18). Known secret values are registered as soon as they
// are read (passwords, app-cred secrets, tokens, private keys); patterns catch the shapes of
// secrets we never saw (PEM private keys, X-Auth-Token headers, "password": fields).

export const REDACTED = '[REDACTED]';

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g, `-----BEGIN $1PRIVATE KEY-----${REDACTED}-----END $1PRIVATE KEY-----`],
  [/((?:x-auth-token|x-subject-token|authorization|x-vault-token)\s*[:=]\s*)("?)[^\s",}]+/gi, `$1$2${REDACTED}`],
  [/("[\w-]*(?:password|secret|token|client-key-data|unseal_key|keys_base64|private_key)[\w-]*"\s*:\s*")[^"]*(")/gi, `$1${REDACTED}$2`],
  [/(\b[\w-]*(?:password|secret)\s*[:=]\s*)([^\s,;'"]+)/gi, `$1${REDACTED}`],
  [/\bgAAAAA[A-Za-z0-9_-]{40,}/g, REDACTED], // Fernet tokens
];

export class Redactor {
  private secrets = new Set<string>();

  /** Registers a secret value; values shorter than 4 characters are ignored (they would mangle text). */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < 4) return;
    this.secrets.add(secret);
    // Also the forms a secret takes inside JSON and base64 (kubeconfig data fields).
    this.secrets.add(JSON.stringify(secret).slice(1, -1));
    this.secrets.add(Buffer.from(secret).toString('base64'));
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is removed whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (s.length >= 4 && out.includes(s)) out = out.split(s).join(REDACTED);
    }
    for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
    return out;
  }

  /** Redacts every string inside a JSON-able value. */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value ?? null))) as T;
  }
}

/** The process-wide redactor every sink uses. */
export const redactor = new Redactor();
