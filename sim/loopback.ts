// Site addresses live in 10.0.0.0/8 on the real site; the simulator maps each into
// 127.0.0.0/8 by replacing the first octet, so 10.12.7.180 becomes 127.12.7.180 and a client
// can connect to it on this machine. Nothing outside loopback is ever bound or dialled.

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** CAPI_GATE_SIM_FIRST_NET (0..59) moves this process's sites off net 0 (the test runner's simulated lane: 1). */
function initialNet(): number {
  const v = process.env['CAPI_GATE_SIM_FIRST_NET'];
  const n = v === undefined || v === '' ? 0 : Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 59 ? n : 0;
}

let net = initialNet();

/**
 * Several simulated sites on one machine each get their own loopback "net": net N maps
 * 10.A.B.C to 127.(A+N).B.C, so their fixed addresses (VIPs on 127.12.4.50:5000 ...) do not
 * collide. Process-wide: one simulated site per process.
 */
export function setLoopbackNet(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 99) throw new RangeError(`loopback net must be 0..99, not ${n}`);
  net = n;
}

/** Where a site without an explicit net starts looking (CAPI_GATE_SIM_FIRST_NET, else 0). */
export function firstLoopbackNet(): number {
  return initialNet();
}

export function loopbackNet(): number {
  return net;
}

/** Maps an IPv4 address into 127.0.0.0/8 (first octet -> 127, second shifted by the net, this process's by default); loopback stays as it is. */
export function toLoopback(ip: string, onNet = net): string {
  const m = IPV4.exec(ip);
  if (!m) throw new TypeError(`not an IPv4 address: ${ip}`);
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) throw new TypeError(`not an IPv4 address: ${ip}`);
  if (octets[0] === 127) return ip;
  return `127.${((octets[1] ?? 0) + onNet) % 256}.${octets[2]}.${octets[3]}`;
}

/** Maps the host of a URL into loopback when it is an IPv4 literal; other hosts are left alone. */
export function urlToLoopback(url: string): string {
  const u = new URL(url);
  if (IPV4.test(u.hostname)) u.hostname = toLoopback(u.hostname);
  return u.toString();
}

/** Maps the network address of an IPv4 CIDR into loopback: 10.20.16.0/24 -> 127.20.16.0/24. */
export function cidrToLoopback(cidr: string): string {
  const [addr, len] = cidr.split('/');
  return `${toLoopback(addr ?? '')}/${len ?? ''}`;
}

export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip === 'localhost';
}

export function ipToInt(ip: string): number {
  const m = IPV4.exec(ip);
  if (!m) throw new TypeError(`not an IPv4 address: ${ip}`);
  return m.slice(1).reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Network address, prefix length, gateway (.1) and the usable host range of an IPv4 CIDR. */
export function parseCidr(cidr: string): { base: number; prefix: number; gateway: string; first: number; last: number } {
  const [addr, len] = cidr.split('/');
  const prefix = Number(len);
  if (!addr || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new TypeError(`not an IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipToInt(addr) / size) * size;
  return { base, prefix, gateway: intToIp(base + 1), first: base + 2, last: base + size - 2 };
}
