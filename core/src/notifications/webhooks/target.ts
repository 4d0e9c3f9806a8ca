// Where a webhook may be sent. A webhook URL is typed by the user and fetched by our worker, so it is checked
// against server-side request forgery: no other schemes, no credentials, and no addresses that only make sense
// inside a network (loopback, private, link-local, cloud metadata, …).
//
// The check reads the URL only. The Workers runtime has no DNS API, so a public name that *resolves* to a
// private address (127.0.0.1.nip.io, a rebinding domain) is not caught here. In production, Cloudflare's own
// fetch refuses to connect to private, loopback and link-local ranges, which covers that case; in local dev
// (workerd on your machine) it does not, which is one more reason `allowPrivate` is a dev-only setting.
//
// Numeric tricks (http://2130706433/, http://0x7f.1/, http://127.1/, http://[::ffff:127.0.0.1]/) need no code
// of their own: the WHATWG URL parser canonicalises IPv4 hosts to dotted decimal and IPv6 hosts to compressed
// hex, before anything here looks at them.

/** Why a target was refused; `reason` says it in words a user can act on. */
export type TargetRefusal = "invalid_url" | "scheme" | "insecure" | "credentials" | "metadata" | "local" | "unroutable";
export type TargetCheck = { ok: true; url: string } | { ok: false; code: TargetRefusal; reason: string };

export type TargetOptions = {
  /**
   * Local development only (`WEBHOOKS_ALLOW_PRIVATE="true"`): allows http:// and loopback, private, link-local
   * and local-name targets. Metadata, multicast, unspecified and reserved addresses stay refused.
   */
  allowPrivate: boolean;
};

const MAX_URL_LENGTH = 2048;
const DEV_NOTE = 'Plain http:// and local targets are allowed only in local development, with WEBHOOKS_ALLOW_PRIVATE="true".';

/** Cloud instance-metadata services: refused even in local dev, since reaching one hands out credentials. */
const METADATA_IPV4 = new Set([
  "169.254.169.254", // AWS, GCP, Azure, Oracle, DigitalOcean, …
  "169.254.170.2", // AWS ECS task metadata
  "100.100.100.200", // Alibaba Cloud
]);
const METADATA_HOSTS = new Set([
  ...METADATA_IPV4,
  "[fd00:ec2::254]", // AWS over IPv6
  "metadata.google.internal",
  "metadata.goog",
  "metadata",
  "instance-data",
  "instance-data.ec2.internal",
]);

/** Name suffixes that only resolve inside a network (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal). */
const LOCAL_SUFFIXES = ["localhost", "local", "internal", "home.arpa"];

/**
 * Checks a webhook URL before it is saved and before each delivery. Returns the canonical URL to store.
 * @example checkTarget("https://hooks.example.com/hearth", { allowPrivate: false }) // { ok: true, url: "https://hooks.example.com/hearth" }
 */
export function checkTarget(raw: string, { allowPrivate }: TargetOptions): TargetCheck {
  if (raw.length > MAX_URL_LENGTH) return refuse("invalid_url", `That URL is longer than ${MAX_URL_LENGTH} characters; use a shorter one.`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return refuse("invalid_url", "That is not a URL. Use the full address, like https://hooks.example.com/hearth.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return refuse("scheme", `Webhooks are sent over HTTPS: use an https:// URL, not ${url.protocol}//.`);
  }
  if (url.protocol === "http:" && !allowPrivate) {
    return refuse("insecure", `Use an https:// URL: deliveries carry your notifications, so they must be encrypted in transit. ${DEV_NOTE}`);
  }
  if (url.username !== "" || url.password !== "") {
    return refuse("credentials", "Remove the user name and password from the URL: deliveries are signed, and your receiver checks the signature instead.");
  }

  const host = url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname;
  if (METADATA_HOSTS.has(host)) return refuse("metadata", `${host} is a cloud metadata service; webhooks are never sent there.`);

  const address = host.startsWith("[") ? classifyIpv6(host) : /^\d+\.\d+\.\d+\.\d+$/.test(host) ? classifyIpv4(host.split(".").map(Number)) : null;
  if (address !== null && address !== "public") {
    if (address.metadata) return refuse("metadata", `${host} is a cloud metadata service (${address.label}); webhooks are never sent there.`);
    if (address.local && allowPrivate) return { ok: true, url: url.href };
    if (address.local) return refuse("local", `${host} is ${address.label}, which the internet cannot reach. Use a public https:// URL (a tunnel works for a receiver on your computer). ${DEV_NOTE}`);
    return refuse("unroutable", `${host} is ${address.label}, so webhooks cannot be sent there. Use your receiver's public address.`);
  }
  if (address === null) {
    const localName = LOCAL_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
    if (localName && !allowPrivate) return refuse("local", `${host} is a name that only works inside a local network. Use a public https:// URL. ${DEV_NOTE}`);
    // A single-label name ("intranet", a container's name) is resolved through local search domains.
    if (!host.includes(".") && !allowPrivate) return refuse("local", `"${host}" is not a full domain name. Use the receiver's public name, like hooks.example.com.`);
  }
  return { ok: true, url: url.href };
}

const refuse = (code: TargetRefusal, reason: string): TargetCheck => ({ ok: false, code, reason });

/** "public", or a description of the range and whether local dev may use it. */
type AddressClass = "public" | { label: string; local: boolean; metadata?: true };

type Range4 = [network: string, prefix: number, label: string, local: boolean];
const IPV4_RANGES: Range4[] = [
  ["0.0.0.0", 8, "the unspecified address (“this network”)", false],
  ["10.0.0.0", 8, "a private address", true],
  ["100.64.0.0", 10, "a shared (carrier-grade NAT) address", true],
  ["127.0.0.0", 8, "a loopback address", true],
  ["169.254.0.0", 16, "a link-local address", true],
  ["172.16.0.0", 12, "a private address", true],
  ["192.0.0.0", 24, "an IETF protocol address", false],
  ["192.0.2.0", 24, "a documentation address", false],
  ["192.88.99.0", 24, "a 6to4 relay address", false],
  ["192.168.0.0", 16, "a private address", true],
  ["198.18.0.0", 15, "a benchmarking address", false],
  ["198.51.100.0", 24, "a documentation address", false],
  ["203.0.113.0", 24, "a documentation address", false],
  ["224.0.0.0", 4, "a multicast address", false],
  ["240.0.0.0", 4, "a reserved or broadcast address", false],
];

const toUint32 = (octets: readonly number[]) => octets.reduce((n, octet) => n * 256 + octet, 0);
/** Whether two 32-bit values share their first `prefix` bits (division, not `>>>`, which wraps at 32). */
const inPrefix = (value: number, network: number, prefix: number) => Math.floor(value / 2 ** (32 - prefix)) === Math.floor(network / 2 ** (32 - prefix));

function classifyIpv4(octets: readonly number[]): AddressClass {
  // Reached through an IPv6 form (::ffff:169.254.169.254); the label is the address itself.
  if (METADATA_IPV4.has(octets.join("."))) return { label: octets.join("."), local: false, metadata: true };
  const value = toUint32(octets);
  for (const [network, prefix, label, local] of IPV4_RANGES) {
    if (inPrefix(value, toUint32(network.split(".").map(Number)), prefix)) return { label, local };
  }
  return "public";
}

/** IPv6 ranges, matched on the first 32 bits (every special range but 100::/64 fits; that one is checked apart). */
type Range6 = [network: readonly [number, number], prefix: number, label: string, local: boolean];
const IPV6_RANGES: Range6[] = [
  [[0x2001, 0x0db8], 32, "a documentation address", false],
  [[0x2001, 0], 32, "a Teredo tunnel address", false],
  [[0xfc00, 0], 7, "a unique-local (private) address", true],
  [[0xfe80, 0], 10, "a link-local address", true],
  [[0xfec0, 0], 10, "a site-local (private) address", true],
  [[0xff00, 0], 8, "a multicast address", false],
];

function classifyIpv6(bracketed: string): AddressClass {
  const groups = parseIpv6(bracketed.slice(1, -1));
  if (groups === null) return { label: "an IPv6 address that could not be read", local: false };
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups;
  const embedded = (high: number, low: number) => classifyIpv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const zeroUpTo = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zeroUpTo(7) && g7 === 0) return { label: "the unspecified address", local: false };
  if (zeroUpTo(7) && g7 === 1) return { label: "the loopback address", local: true };
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the embedded IPv4 address.
  if (zeroUpTo(5) && g5 === 0xffff) return embedded(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embedded(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return { label: "a local-use NAT64 address", local: true };
  if (zeroUpTo(6)) return { label: "an IPv4-compatible address (deprecated)", local: false };
  // 6to4 (2002:a.b.c.d::/48) tunnels to the embedded IPv4 address.
  if (g0 === 0x2002) return embedded(g1, g2);
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return { label: "a discard-only address", local: false };
  const top = g0 * 0x10000 + g1;
  for (const [[n0, n1], prefix, label, local] of IPV6_RANGES) {
    if (inPrefix(top, n0 * 0x10000 + n1, prefix)) return { label, local };
  }
  return "public";
}

/** The 8 groups of an IPv6 address (as the URL parser prints it, or with a dotted IPv4 tail), or null. */
function parseIpv6(text: string): number[] | null {
  let body = text.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(body);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    body = `${body.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const part = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : null;
}
