// Small pieces of the HTTP client: a concurrency limit, jittered exponential backoff with a hard
// ceiling, and turning fetch failures into one-line reasons that say whether a retry can help.

export class Semaphore {
  private waiting: Array<() => void> = [];
  private active = 0;
  /** Most slots held at once so far. */
  peak = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency must be a positive integer (got ${limit})`);
  }

  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else this.active--;
    }
  }
}

export interface BackoffOptions {
  /** Delay cap of the first retry; doubles each time (default 500 ms). */
  baseMs: number;
  /** No delay is ever longer than this, Retry-After included (default 8000 ms). */
  maxMs: number;
  random?: () => number;
}

/**
 * Delay before retry number `retry` (0-based): "equal jitter", uniform in [cap/2, cap] with
 * cap = min(maxMs, baseMs * 2^retry); a server's Retry-After raises it, but never above maxMs.
 */
export function backoffDelay(retry: number, o: BackoffOptions, retryAfterMs?: number): number {
  const cap = Math.min(o.maxMs, o.baseMs * 2 ** retry);
  const u = (o.random ?? Math.random)();
  const d = cap / 2 + (u * cap) / 2;
  return Math.min(o.maxMs, Math.max(d, retryAfterMs ?? 0));
}

/** Retry-After as milliseconds (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

/** HTTP statuses worth retrying: timeouts, conflicts, rate limits and server errors. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

export class FetchFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The connection could not be made at all (the server is down or the URL is wrong). */
    readonly unreachable = false,
  ) {
    super(message);
  }
}

/** A thrown fetch error as a reason: timeouts and network errors can be retried. */
export function describeFetchError(e: unknown, timedOut: boolean, timeoutMs: number): FetchFailure {
  if (timedOut) return new FetchFailure(`no answer within ${timeoutMs / 1000} s`, true);
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (e as { code?: string }).code;
  const unreachable =
    code === "ECONNREFUSED" ||
    code === "ENOTFOUND" ||
    code === "EHOSTUNREACH" ||
    code === "ENETUNREACH" ||
    code === "EAI_AGAIN";
  const why = code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
  return new FetchFailure(why, true, unreachable);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
