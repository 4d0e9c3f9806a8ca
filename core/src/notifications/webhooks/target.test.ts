import { describe, expect, it } from "vitest";
import { checkTarget } from "./target.ts";
import type { TargetRefusal } from "./target.ts";

const production = { allowPrivate: false };
const localDev = { allowPrivate: true };

// [url, refusal in production, refusal in local dev (null: allowed)]
const REFUSED: [string, TargetRefusal, TargetRefusal | null][] = [
  ["not a url", "invalid_url", "invalid_url"],
  ["ftp://hooks.example.com/", "scheme", "scheme"],
  ["file:///etc/passwd", "scheme", "scheme"],
  ["javascript:alert(1)", "scheme", "scheme"],
  ["gopher://hooks.example.com/", "scheme", "scheme"],
  ["http://hooks.example.com/hearth", "insecure", null],
  ["https://user:pass@hooks.example.com/", "credentials", "credentials"],
  ["https://token@hooks.example.com/", "credentials", "credentials"],
  // Loopback, however it is spelled: the URL parser canonicalises these to 127.0.0.1 / [::1].
  ["https://127.0.0.1/", "local", null],
  ["https://127.9.9.9:8443/x", "local", null],
  ["https://2130706433/", "local", null],
  ["https://0x7f.1/", "local", null],
  ["https://0x7f000001/", "local", null],
  ["https://0177.0.0.1/", "local", null],
  ["https://127.1/", "local", null],
  ["https://127.0.0.1./", "local", null],
  ["https://[::1]/", "local", null],
  ["https://[0:0:0:0:0:0:0:1]/", "local", null],
  ["https://[::ffff:127.0.0.1]/", "local", null],
  ["https://[::ffff:7f00:1]/", "local", null],
  ["https://localhost/", "local", null],
  ["https://LOCALHOST./", "local", null],
  ["https://api.localhost/", "local", null],
  // Private, shared and link-local networks, and local names.
  ["https://10.0.0.5/", "local", null],
  ["https://172.16.0.1/", "local", null],
  ["https://172.31.255.255/", "local", null],
  ["https://192.168.1.10/", "local", null],
  ["https://100.64.0.1/", "local", null],
  ["https://169.254.1.1/", "local", null],
  ["https://[fd12:3456::1]/", "local", null],
  ["https://[fc00::1]/", "local", null],
  ["https://[fe80::1]/", "local", null],
  ["https://[::ffff:192.168.0.1]/", "local", null],
  ["https://[64:ff9b::10.0.0.1]/", "local", null],
  ["https://[2002:c0a8:0101::1]/", "local", null],
  ["https://printer.local/", "local", null],
  ["https://db.internal/", "local", null],
  ["https://nas.home.arpa/", "local", null],
  ["https://intranet/", "local", null],
  // Cloud metadata: refused even in local dev.
  ["https://169.254.169.254/latest/meta-data/", "metadata", "metadata"],
  ["http://169.254.169.254/", "insecure", "metadata"],
  ["https://[::ffff:169.254.169.254]/", "metadata", "metadata"],
  ["https://[64:ff9b::a9fe:a9fe]/", "metadata", "metadata"],
  ["https://0xa9fea9fe/", "metadata", "metadata"],
  ["https://169.254.170.2/v2/credentials", "metadata", "metadata"],
  ["https://metadata.google.internal/computeMetadata/v1/", "metadata", "metadata"],
  ["https://METADATA.GOOGLE.INTERNAL./", "metadata", "metadata"],
  ["https://[fd00:ec2::254]/", "metadata", "metadata"],
  ["https://100.100.100.200/", "metadata", "metadata"],
  // Addresses nothing should be sent to, in any setting.
  ["https://0.0.0.0/", "unroutable", "unroutable"],
  ["https://0/", "unroutable", "unroutable"],
  ["https://[::]/", "unroutable", "unroutable"],
  ["https://224.0.0.1/", "unroutable", "unroutable"],
  ["https://255.255.255.255/", "unroutable", "unroutable"],
  ["https://240.0.0.1/", "unroutable", "unroutable"],
  ["https://192.0.2.1/", "unroutable", "unroutable"],
  ["https://198.18.0.1/", "unroutable", "unroutable"],
  ["https://[ff02::1]/", "unroutable", "unroutable"],
  ["https://[2001:db8::1]/", "unroutable", "unroutable"],
  ["https://[::127.0.0.1]/", "unroutable", "unroutable"],
  ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "unroutable", "unroutable"],
  ["https://[100::1]/", "unroutable", "unroutable"],
  [`https://hooks.example.com/${"a".repeat(2100)}`, "invalid_url", "invalid_url"],
];

const ALLOWED = [
  "https://hooks.example.com/hearth",
  "https://hooks.example.com:8443/hearth?token=abc#frag",
  "https://8.8.8.8/",
  "https://1.1.1.1/hooks",
  "https://172.32.0.1/",
  "https://100.128.0.1/",
  "https://192.169.0.1/",
  "https://[2606:4700:4700::1111]/",
  "https://[::ffff:8.8.8.8]/",
  "https://[64:ff9b::8.8.8.8]/",
  "https://xn--bcher-kva.example/",
  "https://bücher.example/",
  "https://hooks.slack.com/services/T000/B000/XXX",
  "https://localhost.example.com/",
  "https://internal.example.com/",
];

describe("webhook targets (SSRF)", () => {
  it.each(REFUSED)("%s is refused in production (%s), and in local dev: %s", (url, inProduction, inDev) => {
    const prod = checkTarget(url, production);
    expect(prod).toMatchObject({ ok: false, code: inProduction });
    const dev = checkTarget(url, localDev);
    if (inDev === null) expect(dev.ok).toBe(true);
    else expect(dev).toMatchObject({ ok: false, code: inDev });
  });

  it.each(ALLOWED)("%s is allowed, in production and in local dev", (url) => {
    expect(checkTarget(url, production).ok).toBe(true);
    expect(checkTarget(url, localDev).ok).toBe(true);
  });

  it("returns the canonical URL to store", () => {
    expect(checkTarget("  https://Hooks.Example.com:443/a/../hearth  ", production)).toEqual({ ok: true, url: "https://hooks.example.com/hearth" });
    expect(checkTarget("https://bücher.example/", production)).toEqual({ ok: true, url: "https://xn--bcher-kva.example/" });
    expect(checkTarget("http://0x7f.1:8787/hook", localDev)).toEqual({ ok: true, url: "http://127.0.0.1:8787/hook" });
  });

  it("says why, and what to do instead", () => {
    const reason = (url: string) => {
      const check = checkTarget(url, production);
      return check.ok ? null : check.reason;
    };
    expect(reason("http://hooks.example.com/")).toBe(
      'Use an https:// URL: deliveries carry your notifications, so they must be encrypted in transit. Plain http:// and local targets are allowed only in local development, with WEBHOOKS_ALLOW_PRIVATE="true".',
    );
    expect(reason("https://[::ffff:169.254.169.254]/")).toBe("[::ffff:a9fe:a9fe] is a cloud metadata service (169.254.169.254); webhooks are never sent there.");
    expect(reason("https://2130706433/")).toMatch(/^127\.0\.0\.1 is a loopback address, which the internet cannot reach\. Use a public https:\/\/ URL/);
    expect(reason("https://192.168.1.10/")).toMatch(/^192\.168\.1\.10 is a private address/);
    expect(reason("https://[fe80::1]/")).toMatch(/^\[fe80::1\] is a link-local address/);
    expect(reason("https://user:pw@hooks.example.com/")).toMatch(/^Remove the user name and password/);
    expect(reason("https://224.0.0.1/")).toBe("224.0.0.1 is a multicast address, so webhooks cannot be sent there. Use your receiver's public address.");
    expect(reason("https://intranet/")).toBe('"intranet" is not a full domain name. Use the receiver\'s public name, like hooks.example.com.');
  });
});
