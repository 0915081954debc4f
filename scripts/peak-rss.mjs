#!/usr/bin/env node
// Runs a command and reports the peak of its whole process tree's memory (the sum over the command and
// every descendant, sampled every 0.25 s) and its wall time. `/usr/bin/time -v` reports only the largest
// single process, which undercounts a run with worker processes (npm start has three). Two sums: resident
// (RSS: counts pages the processes share, such as libtorch's code, once per process) and proportional
// (PSS: each shared page split between its sharers; what the tree as a whole takes from the machine).
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
let peakRss = 0,
  peakPss = 0;

/** Parent of each process, from /proc/PID/stat (the field after the parenthesised name). */
function parents() {
  const out = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      out.set(Number(d), Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** [RSS, PSS] of the tree rooted at `root`, in kB. */
function treeKb(root) {
  const ppid = parents();
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, pp] of ppid)
      if (!inTree.has(p) && inTree.has(pp)) {
        inTree.add(p);
        grew = true;
      }
  }
  let rss = 0,
    pss = 0;
  for (const p of inTree) {
    try {
      const s = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      rss += Number(/^Rss:\s+(\d+)/m.exec(s)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(s)?.[1] ?? 0);
    } catch {
      /* exited meanwhile */
    }
  }
  return [rss, pss];
}

const timer = setInterval(() => {
  if (!child.pid) return;
  const [rss, pss] = treeKb(child.pid);
  peakRss = Math.max(peakRss, rss);
  peakPss = Math.max(peakPss, pss);
}, 250);
child.on("exit", (code, signal) => {
  clearInterval(timer);
  const wall = (performance.now() - start) / 1000;
  console.error(
    `[peak-rss] exit ${code ?? signal}, wall ${wall.toFixed(1)} s, process tree's peak memory: ${Math.round(peakPss / 1024)} MB proportional (PSS), ${Math.round(peakRss / 1024)} MB resident (RSS, shared pages once per process)`,
  );
  process.exit(code ?? 1);
});
