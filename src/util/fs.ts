// File writes that never leave a half-written file behind: write a temp file beside it, then rename.
// Temp names carry the host, the process and a random part (tempTag), so two processes, or two
// machines sharing a file system, never write the same temp file.
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync, existsSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, basename, join } from "node:path";

/** This host's name reduced to [A-Za-z0-9_.], so a tag splits back on "-". */
const HOST = hostname().replace(/[^A-Za-z0-9_.]/g, "_") || "host";

/** `<host>-<pid>-<8 hex>`: unique to this call of this process on this machine. */
function tempTag(): string {
  return `${HOST}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Whether a tag (as made by tempTag) belongs to this very process. */
export function isOwnTempTag(tag: string): boolean {
  return tag.startsWith(`${HOST}-${process.pid}-`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  if (existsSync(path) && statSync(path).isDirectory())
    throw new Error(`${path}: is a directory; give a file path (e.g. ${join(path, "out.jsonl")})`);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${tempTag()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true }); // no half-written temp file left behind
    throw e;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** Replace a directory atomically: build it under a temp name (`<path>.tmp-<tag>`), then swap it in. */
export function replaceDirAtomic(path: string, build: (tmpDir: string) => void): void {
  const tag = tempTag();
  const tmp = `${path}.tmp-${tag}`;
  mkdirSync(tmp, { recursive: true });
  build(tmp);
  if (existsSync(path)) {
    const old = `${path}.old-${tag}`;
    renameSync(path, old);
    renameSync(tmp, path);
    rmSync(old, { recursive: true, force: true });
  } else {
    mkdirSync(dirname(path), { recursive: true });
    renameSync(tmp, path);
  }
}
