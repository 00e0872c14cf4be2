// The server's own error message, parsed from each OpenStack service's error body format
// (api-notes §1.4). Shape-based, so a body is understood whichever service sent it; the
// service name only breaks ties. Returns undefined when nothing readable was found.

const MAX_MESSAGE = 300;

function clean(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > MAX_MESSAGE ? `${one.slice(0, MAX_MESSAGE - 3)}...` : one;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function fromJson(doc: unknown): string | undefined {
  const o = rec(doc);
  if (!o) return undefined;
  // Magnum: {"errors":[{"title","detail","status","code"}]}
  if (Array.isArray(o['errors'])) {
    const first = rec(o['errors'][0]);
    const title = str(first?.['title']);
    const detail = str(first?.['detail']);
    if (title || detail) return title && detail && !detail.startsWith(title) ? `${title} ${detail}` : (title ?? detail);
  }
  // Magnum alternative: {"error_message": "<json string>"} (magnumclient _extract_error_json_text)
  const em = o['error_message'];
  if (typeof em === 'string') {
    try {
      return fromJson(JSON.parse(em)) ?? clean(em);
    } catch {
      return em;
    }
  }
  if (rec(em)) return fromJson(em);
  // Octavia (wsme): {"faultcode","faultstring","debuginfo"}
  const fault = str(o['faultstring']);
  if (fault) return fault;
  // Neutron: {"NeutronError":{"type","message","detail"}}
  const ne = rec(o['NeutronError']);
  if (ne) {
    const m = str(ne['message']);
    const t = str(ne['type']);
    if (m) return t ? `${t}: ${m}` : m;
  }
  // Keystone: {"error":{"code","message","title"}}; Magnum also accepts {"error":{"title","message"}}
  const err = rec(o['error']);
  if (err) return str(err['message']) ?? str(err['title']);
  // Nova: {"itemNotFound":{"code","message"}}, {"conflictingRequest":{...}}, {"forbidden":{...}}, ...
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const inner = rec(o[keys[0] as string]);
    const m = str(inner?.['message']);
    if (m) return m;
  }
  // Glance (webob's json_formatter, when asked for JSON): {"message": "<explanation><br /><br />\n<detail>\n",
  // "code": "404 Not Found", "title": "Not Found"}: the message carries webob's HTML line breaks.
  const message = str(o['message']);
  if (message && typeof o['code'] === 'string' && /^\d{3} /.test(o['code'])) return fromText(message) ?? str(o['title']);
  return message ?? str(o['title']) ?? str(o['detail']);
}

/** Glance's webob plain text: "404 Not Found\n\nNo image found with ID X\n\n". */
function fromText(text: string): string | undefined {
  const withoutTags = text
    .replace(/<(head|title|h1)\b[^>]*>[\s\S]*?<\/\1>/gi, '\n')
    .replace(/<[^>]+>/g, '\n');
  const lines = withoutTags
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return undefined;
  const statusLine = /^\d{3}\s+[A-Za-z ]+$/;
  const meaningful = lines.filter((l) => !statusLine.test(l));
  return meaningful.length > 0 ? meaningful.join(' ') : lines[0];
}

export function parseServerMessage(body: string, contentType: string | undefined): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  const looksJson = /json/i.test(contentType ?? '') || text.startsWith('{');
  if (looksJson) {
    try {
      const m = fromJson(JSON.parse(text));
      return m ? clean(m) : undefined;
    } catch {
      // fall through to text
    }
  }
  const m = fromText(text);
  return m ? clean(m) : undefined;
}
