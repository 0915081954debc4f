#!/usr/bin/env bash
# Runs a command and reports the peak of its whole process tree's resident memory (the sum over the
# command and every descendant, sampled every 0.2 s) and its wall time. `/usr/bin/time -v` reports only
# the largest single process, which undercounts a run with worker processes (npm start has three).
#   bash scripts/peak-rss.sh npm start
set -uo pipefail
"$@" &
root=$!
start=$(date +%s.%N)
peak=0
tree() { local p=$1; echo "$p"; for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done; }
while kill -0 "$root" 2>/dev/null; do
  kb=0
  for p in $(tree "$root"); do
    r=$(awk '/^VmRSS:/{print $2}' /proc/"$p"/status 2>/dev/null)
    kb=$((kb + ${r:-0}))
  done
  [ "$kb" -gt "$peak" ] && peak=$kb
  sleep 0.2
done
wait "$root"
rc=$?
end=$(date +%s.%N)
echo "[peak-rss] exit $rc, wall $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s, peak resident memory of the process tree $((peak / 1024)) MB" >&2
exit $rc
