#!/usr/bin/env bash
# One scenario both ways: scenarios/slots-failover.yaml (3 primaries + 3 replicas, primary cache1
# SIGKILLed at 8 s, restarted 6 s later) in sync mode, simulated with `cachescope sim` and run
# against live members with `cachescope live`. Both must show what the scenario is about:
#  - the failure detected and a replica promoted within failure_timeout + 1 s of the crash;
#  - no acknowledged write lost (sync replication);
#  - hit ratios within TOLERANCE of each other (absolute; the live run has no origin and its
#    own timing, see README "Simulated and live runs of one scenario").
# Usage: live_scenario_test.sh PATH/TO/cachescope SCENARIO_DIR
set -euo pipefail

bin=$1
scenarios=$2
declare -a pids=()
# shellcheck source=live_lib.sh
source "$(dirname "$0")/live_lib.sh"

TOLERANCE=0.05
scenario="$scenarios/slots-failover.yaml"
common=(--set cluster.replication=sync)

"$bin" sim "$scenario" "${common[@]}" --json "$work/sim.json" --no-progress -q ||
  fail "sim failed"
"$bin" live "$scenario" "${common[@]}" --json "$work/live.json" --dir "$work/live" \
  --assert 'lost_writes==0' --assert 'lost_fills==0' --assert 'promotions>=1' \
  --assert 'failover_s<=2' >"$work/live.log" 2>&1 ||
  fail "live run (exit $?): $(cat "$work/live.log"; tail -5 "$work"/live/*.log)"
cat "$work/live.log"

# The top-level fields of a report, and the first failover's.
top() { sed -n "s/^  \"$2\": \([-0-9.e]*\),*$/\1/p" "$1"; }
fo() { awk -v k="\"$2\":" '/"failovers"/ { on = 1 } on && $1 == k { gsub(/,/, "", $2); print $2; exit }' "$1"; }

for f in sim live; do
  detected=$(fo "$work/$f.json" detected_ms)
  promoted=$(fo "$work/$f.json" promoted_ms)
  at=$(fo "$work/$f.json" at_ms)
  [ -n "$promoted" ] && [ "$promoted" != null ] || fail "$f: no promotion in the report"
  awk -v a="$at" -v d="$detected" -v p="$promoted" 'BEGIN { exit !(d >= a && p >= d && p - a <= 2000) }' ||
    fail "$f: crash at $at ms, detected $detected ms, promoted $promoted ms (limit: 1 s timeout + 1 s)"
  echo "$f: crash at $at ms, detected at $detected ms, promoted at $promoted ms"
  expect_eq "$f lost_writes" 0 "$(top "$work/$f.json" lost_writes)"
done
[ "$(top "$work/live.json" acked_writes)" -gt 0 ] || fail "live: no acknowledged writes to check"
sim_hr=$(top "$work/sim.json" hit_ratio)
live_hr=$(top "$work/live.json" hit_ratio)
echo "hit ratio: sim $sim_hr, live $live_hr (tolerance $TOLERANCE)"
awk -v s="$sim_hr" -v l="$live_hr" -v t="$TOLERANCE" 'BEGIN { d = s - l; if (d < 0) d = -d; exit !(d <= t) }' ||
  fail "hit ratios differ by more than $TOLERANCE: sim $sim_hr, live $live_hr"
grep -q '"skipped"' "$work/live.json" || fail "no skipped list in the live report"
echo "PASS: live_scenario"
