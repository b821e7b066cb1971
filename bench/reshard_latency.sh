#!/usr/bin/env bash
# Client latency during a live reshard: a 3-primary, 3-replica cachescope cluster on loopback
# (sync replication) plus a joining primary d; about 5000 keys per primary; then
# `cachescope loadgen --cluster` (cache-aside, Zipf, --rate 1500) runs for 12 s, during which
# `redis-cli --cluster reshard` moves 800 slots from a to d. A second run of the same load on a
# fresh cluster without the reshard gives the baseline. Prints the load generator's p50/p99/max,
# the reshard's duration and every member's CPU seconds, for each run.
#
# Usage: bench/reshard_latency.sh [PATH/TO/cachescope] [--runs N] [--only reshard|baseline]
# Needs redis-cli (redis-tools). Not a test: it asserts nothing about speed.
set -euo pipefail

bin=${1:-build/release/cli/cachescope}
shift || true
runs=1
only=""
while [ $# -gt 0 ]; do
  case $1 in
  --runs) runs=$2; shift 2 ;;
  --only) only=$2; shift 2 ;;
  *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v redis-cli >/dev/null || { echo "SKIPPED: redis-cli not installed"; exit 0; }
bin=$(realpath "$bin")

declare -A pids=()
# shellcheck source=../tests/node/live_lib.sh
source "$(dirname "$0")/../tests/node/live_lib.sh"

names=(a b c a2 b2 c2)
declare -A port=()
write_config() {
  {
    echo "replication: sync"
    echo "heartbeat_interval: 100ms"
    echo "failure_timeout: 1s"
    echo "failover_rank_delay: 200ms"
    echo "maxmemory: 64MiB"
    echo "nodes:"
    for n in "${names[@]}" d; do
      free_port; port[$n]=$FREE
      free_port; local pp=$FREE
      local role="role: primary"
      [ "${#n}" -eq 2 ] && role="role: replica, replica_of: ${n:0:1}"
      [ "$n" == d ] && role="role: primary, join: true"
      echo "  - {name: $n, port: ${port[$n]}, peer_port: $pp, $role}"
    done
  } >"$work/full.yaml"
  grep -v 'join: true' "$work/full.yaml" >"$work/cluster.yaml"
}
start() {
  "$bin" node --cluster "$work/cluster.yaml" --id "$1" >"$work/$1.out" 2>>"$work/$1.log" &
  pids[$1]=$!
}
wait_ready() {
  for n in "$@"; do
    for _ in $(seq 100); do
      grep -q '^ready' "$work/$n.out" 2>/dev/null && break
      sleep 0.1
    done
    grep -q '^ready' "$work/$n.out" || fail "node $n did not start: $(tail -3 "$work/$n.log")"
  done
}
stop_all() {
  for n in "${!pids[@]}"; do kill "${pids[$n]}" 2>/dev/null || true; done
  for n in "${!pids[@]}"; do wait "${pids[$n]}" 2>/dev/null || true; done
  pids=()
}
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

one_run() {  # one_run reshard|baseline
  write_config
  for n in "${names[@]}"; do start "$n"; done
  wait_ready "${names[@]}"
  for _ in $(seq 50); do
    redis-cli -p "${port[a]}" CLUSTER INFO | grep -q 'cluster_state:ok' && break
    sleep 0.1
  done
  cp "$work/full.yaml" "$work/cluster.yaml"
  start d
  wait_ready d
  for _ in $(seq 100); do
    redis-cli -p "${port[a]}" CLUSTER NODES | grep -q "127.0.0.1:${port[d]}@.* master" && break
    sleep 0.1
  done
  redis-cli -p "${port[a]}" CLUSTER NODES | grep -q "127.0.0.1:${port[d]}@.* master" ||
    fail "d did not join: $(tail -5 "$work/d.log")"
  for _ in $(seq 50); do
    redis-cli --cluster check "127.0.0.1:${port[a]}" >/dev/null 2>&1 && break
    sleep 0.1
  done
  # About 5000 keys per primary: the load generator's 15000 objects, written once.
  "$bin" loadgen "redis://127.0.0.1:${port[b]}" --cluster \
    --generate 'scan:objects=15000,requests=15000' \
    -c 2 -P 16 --value-size 50 >/dev/null 2>&1 || fail "preload failed"
  local id_a id_d
  id_a=$(redis-cli -p "${port[a]}" CLUSTER MYID)
  id_d=$(redis-cli -p "${port[d]}" CLUSTER MYID)
  "$bin" loadgen "redis://127.0.0.1:${port[b]}" --cluster \
    --generate 'zipf:alpha=0.8,objects=20000,requests=100M,seed=5' -c 2 -P 4 --value-size 50 \
    --rate 1500 --duration 12s --json "$work/lg.json" >"$work/lg.log" 2>&1 &
  local lg=$!
  sleep 1
  local took="-"
  if [ "$1" == reshard ]; then
    local t0
    t0=$(date +%s%N)
    redis-cli --cluster reshard "127.0.0.1:${port[a]}" --cluster-from "$id_a" --cluster-to "$id_d" \
      --cluster-slots 800 --cluster-yes >"$work/reshard.txt" 2>&1 || fail "reshard: $(tail -5 "$work/reshard.txt")"
    took=$((($(date +%s%N) - t0) / 1000000))ms
  fi
  wait "$lg" || fail "loadgen: $(cat "$work/lg.log")"
  local cpus=""
  for n in "${names[@]}" d; do cpus+="$n=$(cpu "${pids[$n]}") "; done
  printf '%-8s p50 %8s ms  p99 %8s ms  max %8s ms  failed %s  ask %s  reshard %s  CPU s: %s\n' "$1" \
    "$(jq -r '.latency.all.p50_ms' "$work/lg.json")" \
    "$(jq -r '.latency.all.p99_ms' "$work/lg.json")" \
    "$(jq -r '.latency.all.max_ms' "$work/lg.json")" \
    "$(jq -r '.failed_requests' "$work/lg.json")" \
    "$(jq -r '.redirects.ask' "$work/lg.json")" "$took" "$cpus"
  stop_all
}

for _ in $(seq "$runs"); do
  [ "$only" != baseline ] && one_run reshard
  [ "$only" != reshard ] && one_run baseline
done
