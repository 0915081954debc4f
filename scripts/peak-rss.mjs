#!/usr/bin/env node
// Runs a command and reports the peak of its whole process tree's resident memory (the sum over the
// command and every descendant, sampled every 0.25 s) and its wall time. `/usr/bin/time -v` reports only
// the largest single process, which undercounts a run with worker processes (npm start has three).
// Reads /proc in this process (no helper processes per sample: forking them cost a fifth of the CPU).
//   node scripts/peak-rss.mjs npm start
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error("usage: node scripts/peak-rss.mjs COMMAND [ARGS...]");
  process.exit(2);
}
const child = spawn(cmd, args, { stdio: "inherit" });
const start = performance.now();
let peak = 0;

/** Parent of each process, from /proc/PID/stat (the field after the parenthesised name). */
function parents() {
  const out = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      out.set(Number(d), Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

function treeRssKb(root) {
  const ppid = parents();
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, pp] of ppid) if (!inTree.has(p) && inTree.has(pp)) { inTree.add(p); grew = true; }
  }
  let kb = 0;
  for (const p of inTree) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      kb += m ? Number(m[1]) : 0;
    } catch { /* exited meanwhile */ }
  }
  return kb;
}

const timer = setInterval(() => { if (child.pid) peak = Math.max(peak, treeRssKb(child.pid)); }, 250);
child.on("exit", (code, signal) => {
  clearInterval(timer);
  const wall = (performance.now() - start) / 1000;
  console.error(`[peak-rss] exit ${code ?? signal}, wall ${wall.toFixed(1)} s, peak resident memory of the process tree ${Math.round(peak / 1024)} MB`);
  process.exit(code ?? 1);
});
