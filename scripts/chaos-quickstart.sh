#!/usr/bin/env bash
# The chaos test at the quickstart size: experiments/quickstart.yaml run to the end under repeated
# SIGKILLs at seeded random moments (during every kind of stage, evaluations, analyses, results and
# report writing), re-run after each, compared with an uninterrupted run (results.json identical but
# for `created`). Takes about (kills + 2) x the quickstart's time, single-threaded: an hour or more.
#
#   bash scripts/chaos-quickstart.sh [KILLS] [SEED] [WORKERS] [OUT]
#     KILLS    whole-run kills (default 8)
#     SEED     seed of the kill moments (default 19)
#     WORKERS  0: sequential (default); N: --workers N, and a worker killed in every invocation
#     OUT      where the reference and chaos runs go (default runs/chaos-quickstart)
#
# Prints one JSON line: kills (when, what was running), invocations, reference and chaos seconds
# (the difference is the time lost), and whether results.json is identical. Exit 1 when it is not.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/chaos.ts experiments/quickstart.yaml \
  --kills "${1:-8}" --seed "${2:-19}" --workers "${3:-0}" --out "${4:-runs/chaos-quickstart}"
