// The table of commands: one file per command, each exporting `register(program)`.
import type { Command } from "commander";
import { register as data } from "./data.ts";
import { register as compare } from "./compare.ts";
import { register as report } from "./report.ts";
import { register as evalCmd } from "./eval.ts";
import { register as scoreCode } from "./score-code.ts";
import { register as run } from "./run.ts";
import { register as schema } from "./schema.ts";
import { register as serve } from "./serve.ts";
import { register as bench } from "./bench.ts";
import { register as probe } from "./probe.ts";
import { register as trainDp } from "./train-dp.ts";
import { register as worker } from "./worker.ts";
import { register as stage } from "./stage.ts";
import { register as runtime } from "./runtime.ts";
import { register as mergeAdapter } from "./merge-adapter.ts";
import { register as makeTinyLlama } from "./make-tiny-llama.ts";
import { register as ls } from "./ls.ts";

export const commands: Array<(program: Command) => void> = [
  run,
  schema,
  report,
  compare,
  ls,
  data,
  evalCmd,
  serve,
  scoreCode,
  bench,
  probe,
  trainDp,
  worker,
  stage,
  runtime,
  mergeAdapter,
  makeTinyLlama,
];
