// `kubectl create deployment` sends protobuf only (api-notes §8.4): the "k8s\0" magic, then a
// runtime.Unknown {1: TypeMeta, 2: raw, 3: contentEncoding, 4: contentType} wrapping the object.
// A protobuf wire reader and the field numbers of k8s.io/api generated.proto for the fields
// the simulator needs (apps/v1 Deployment, core/v1 PodTemplateSpec and Container).

export class ProtobufError extends Error {}

type Field = { readonly no: number; readonly wire: number; readonly varint?: bigint; readonly bytes?: Buffer };

export const K8S_PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

function readVarint(b: Buffer, at: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let i = at;
  for (;;) {
    if (i >= b.length) throw new ProtobufError('truncated varint');
    const c = b[i++]!;
    result |= BigInt(c & 0x7f) << shift;
    if (c < 0x80) return [result, i];
    shift += 7n;
    if (shift > 63n) throw new ProtobufError('varint too long');
  }
}

/** Splits one message into its fields (wire types 0, 1, 2 and 5; groups are not used by Kubernetes). */
export function readFields(b: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  while (i < b.length) {
    const [key, next] = readVarint(b, i);
    i = next;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, n] = readVarint(b, i);
      i = n;
      out.push({ no, wire, varint: v });
    } else if (wire === 2) {
      const [len, n] = readVarint(b, i);
      const end = n + Number(len);
      if (end > b.length) throw new ProtobufError(`field ${no}: length ${len} past the end`);
      out.push({ no, wire, bytes: b.subarray(n, end) });
      i = end;
    } else if (wire === 1) {
      if (i + 8 > b.length) throw new ProtobufError('truncated fixed64');
      out.push({ no, wire, bytes: b.subarray(i, i + 8) });
      i += 8;
    } else if (wire === 5) {
      if (i + 4 > b.length) throw new ProtobufError('truncated fixed32');
      out.push({ no, wire, bytes: b.subarray(i, i + 4) });
      i += 4;
    } else {
      throw new ProtobufError(`unsupported wire type ${wire} (field ${no})`);
    }
  }
  return out;
}

class Msg {
  private readonly fields: Field[];
  constructor(b: Buffer | undefined) {
    this.fields = b ? readFields(b) : [];
  }
  private all(no: number): Field[] {
    return this.fields.filter((f) => f.no === no);
  }
  bytes(no: number): Buffer | undefined {
    const f = this.all(no).at(-1);
    return f?.bytes;
  }
  str(no: number): string | undefined {
    return this.bytes(no)?.toString('utf8');
  }
  strs(no: number): string[] {
    return this.all(no).map((f) => (f.bytes ?? Buffer.alloc(0)).toString('utf8'));
  }
  int(no: number): number | undefined {
    const f = this.all(no).at(-1);
    return f?.varint === undefined ? undefined : Number(BigInt.asIntN(64, f.varint));
  }
  bool(no: number): boolean | undefined {
    const v = this.int(no);
    return v === undefined ? undefined : v !== 0;
  }
  msg(no: number): Msg | undefined {
    const b = this.bytes(no);
    return b === undefined ? undefined : new Msg(b);
  }
  msgs(no: number): Msg[] {
    return this.all(no).map((f) => new Msg(f.bytes));
  }
  /** map<string,string>: repeated entries {1: key, 2: value}. */
  map(no: number): Record<string, string> | undefined {
    const entries = this.msgs(no);
    if (entries.length === 0) return undefined;
    const out: Record<string, string> = {};
    for (const e of entries) out[e.str(1) ?? ''] = e.str(2) ?? '';
    return out;
  }
}

export interface UnknownEnvelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Buffer;
  readonly contentEncoding: string;
  readonly contentType: string;
}

/** Unwraps "k8s\0" + runtime.Unknown. */
export function decodeEnvelope(body: Buffer): UnknownEnvelope {
  if (body.length < 4 || !body.subarray(0, 4).equals(K8S_PROTOBUF_MAGIC)) throw new ProtobufError('missing the k8s\\0 protobuf magic');
  const unk = new Msg(body.subarray(4));
  const tm = unk.msg(1);
  return {
    apiVersion: tm?.str(1) ?? '',
    kind: tm?.str(2) ?? '',
    raw: unk.bytes(2) ?? Buffer.alloc(0),
    contentEncoding: unk.str(3) ?? '',
    contentType: unk.str(4) ?? '',
  };
}

type Json = Record<string, unknown>;

function compact(o: Json): Json {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

// k8s.io/apimachinery/pkg/apis/meta/v1 ObjectMeta
function objectMeta(m: Msg | undefined): Json {
  if (!m) return {};
  return compact({
    name: m.str(1) || undefined,
    generateName: m.str(2) || undefined,
    namespace: m.str(3) || undefined,
    labels: m.map(11),
    annotations: m.map(12),
    finalizers: m.strs(14).length ? m.strs(14) : undefined,
  });
}

// meta/v1 LabelSelector {1: matchLabels, 2: matchExpressions {1 key, 2 operator, 3 values}}
function labelSelector(m: Msg | undefined): Json | undefined {
  if (!m) return undefined;
  const exprs = m.msgs(2).map((e) => ({ key: e.str(1) ?? '', operator: e.str(2) ?? '', values: e.strs(3) }));
  return compact({ matchLabels: m.map(1), matchExpressions: exprs.length ? exprs : undefined });
}

// core/v1 Container {1 name, 2 image, 3 command, 4 args, 5 workingDir, 6 ports, 7 env, 14 imagePullPolicy}
function container(m: Msg): Json {
  const ports = m.msgs(6).map((p) => compact({ name: p.str(1) || undefined, hostPort: p.int(2), containerPort: p.int(3) ?? 0, protocol: p.str(4) || 'TCP' }));
  const env = m.msgs(7).map((e) => compact({ name: e.str(1) ?? '', value: e.str(2) }));
  return compact({
    name: m.str(1) ?? '',
    image: m.str(2),
    command: m.strs(3).length ? m.strs(3) : undefined,
    args: m.strs(4).length ? m.strs(4) : undefined,
    workingDir: m.str(5) || undefined,
    ports: ports.length ? ports : undefined,
    env: env.length ? env : undefined,
    imagePullPolicy: m.str(14) || undefined,
  });
}

// core/v1 PodSpec {2 containers, 3 restartPolicy, 4 terminationGracePeriodSeconds, 6 dnsPolicy, 8 serviceAccountName}
function podSpec(m: Msg | undefined): Json {
  if (!m) return { containers: [] };
  return compact({
    containers: m.msgs(2).map(container),
    restartPolicy: m.str(3) || undefined,
    terminationGracePeriodSeconds: m.int(4),
    dnsPolicy: m.str(6) || undefined,
    serviceAccountName: m.str(8) || undefined,
  });
}

/** apps/v1 Deployment {1 metadata, 2 spec {1 replicas, 2 selector, 3 template {1 metadata, 2 spec}, 4 strategy, 5 minReadySeconds}}. */
export function decodeDeployment(raw: Buffer): Json {
  const d = new Msg(raw);
  const spec = d.msg(2);
  const tmpl = spec?.msg(3);
  const strategy = spec?.msg(4);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(d.msg(1)),
    spec: compact({
      replicas: spec?.int(1),
      selector: labelSelector(spec?.msg(2)),
      template: { metadata: objectMeta(tmpl?.msg(1)), spec: podSpec(tmpl?.msg(2)) },
      strategy: strategy ? compact({ type: strategy.str(1) || undefined }) : undefined,
      minReadySeconds: spec?.int(5),
    }),
  };
}

/** Decodes a protobuf request body into the JSON object it stands for; only Deployments are understood. */
export function decodeK8sProtobuf(body: Buffer): Json {
  const env = decodeEnvelope(body);
  if (env.apiVersion === 'apps/v1' && env.kind === 'Deployment') return decodeDeployment(env.raw);
  throw new ProtobufError(`protobuf bodies of ${env.apiVersion || '?'} ${env.kind || '?'} are not understood by the simulator`);
}

// --- a tiny encoder, for tests that replay what kubectl sends -----------------------------------

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

export type PbValue = string | number | Buffer | PbValue[];

/** Encodes [fieldNo, value] pairs: strings/Buffers as length-delimited, numbers as varints. */
export function encodeFields(fields: ReadonlyArray<readonly [number, PbValue | undefined]>): Buffer {
  const parts: Buffer[] = [];
  for (const [no, value] of fields) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v === 'number') parts.push(varint((no << 3) | 0), varint(v));
      else {
        const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : (v as Buffer);
        parts.push(varint((no << 3) | 2), varint(b.length), b);
      }
    }
  }
  return Buffer.concat(parts);
}
