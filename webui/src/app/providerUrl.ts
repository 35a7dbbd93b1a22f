/**
 * What the provider form says about an address before anything is sent to it.
 *
 * The same rules as the server's (desktop/kitdesk/providers/origins.py), which
 * enforces them; here they only warn while the person types:
 * - `sendsInCleartext`: `http://` to a host that is neither this machine nor a
 *   private network, where a key can be read on the way;
 * - `sameOrigin`: a stored key is bound to its provider's origin (scheme, host,
 *   port); saving another origin clears it.
 */

const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

function parse(url: string): URL | null {
  try {
    return new URL(url.trim());
  } catch {
    return null;
  }
}

export function originOf(url: string): string | null {
  const parsed = parse(url);
  if (!parsed) return null;
  return `${parsed.protocol}//${parsed.hostname.toLowerCase()}:${parsed.port || DEFAULT_PORTS[parsed.protocol] || ""}`;
}

export function sameOrigin(first: string, second: string): boolean {
  const a = originOf(first);
  return a !== null && a === originOf(second);
}

function isPrivateIPv4(host: string): boolean | null {
  const parts = host.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  const [a, b] = parts.map(Number) as [number, number, number, number];
  return (
    a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || a === 0
  );
}

function isPrivateIPv6(host: string): boolean | null {
  if (!host.startsWith("[")) return null;
  const address = host.slice(1, -1).toLowerCase();
  return address === "::1" || /^f[cd]/.test(address) || /^fe[89ab]/.test(address);
}

export function sendsInCleartext(url: string): boolean {
  const parsed = parse(url);
  if (!parsed || parsed.protocol !== "http:") return false;
  const host = parsed.hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return false;
  const local = isPrivateIPv4(host) ?? isPrivateIPv6(host);
  return local === null ? true : !local; // a name may resolve anywhere
}
