#!/usr/bin/env bash
# Process tests of cluster mode: three primaries and three replicas of `cachescope node
# --cluster` on free loopback ports, driven by redis-cli -c and by cluster_load (a small
# cluster-aware client that kills a primary and checks every acknowledged write); the memcached
# case gives every member a memcached port and drives it with raw exchanges, libmemcached-tools
# and the load generator.
# Usage: cluster_live_test.sh CASE PATH/TO/cachescope PATH/TO/cluster_load
# Prints "SKIPPED: ..." and exits 0 when a tool it needs is not installed.
set -euo pipefail

case_name=$1
bin=$2
load=$3
declare -A pids=()
# shellcheck source=live_lib.sh
source "$(dirname "$0")/live_lib.sh"

names=(a b c a2 b2 c2)
joiners=()  # members with `join: true` (the reshard case adds d)
declare -A port=() peer=() metrics=() mcport=()
with_memcached=0  # 1: every member also gets a memcached_port
write_config() {  # write_config sync|async
  {
    echo "replication: $1"
    echo "heartbeat_interval: 100ms"
    echo "failure_timeout: 1s"
    echo "failover_rank_delay: 200ms"
    echo "maxmemory: 64MiB"
    echo "nodes:"
    for n in "${names[@]}"; do
      free_port; port[$n]=$FREE
      free_port; peer[$n]=$FREE
      free_port; metrics[$n]=$FREE
      local mc=""
      if [ "$with_memcached" == 1 ]; then free_port; mcport[$n]=$FREE; mc=", memcached_port: $FREE"; fi
      local role="role: primary"
      [ "${#n}" -eq 2 ] && role="role: replica, replica_of: ${n:0:1}"
      echo "  - {name: $n, port: ${port[$n]}, peer_port: ${peer[$n]}, metrics_port: ${metrics[$n]}$mc, $role}"
    done
    for n in "${joiners[@]}"; do
      free_port; port[$n]=$FREE
      free_port; peer[$n]=$FREE
      free_port; metrics[$n]=$FREE
      echo "  - {name: $n, port: ${port[$n]}, peer_port: ${peer[$n]}, metrics_port: ${metrics[$n]}, role: primary, join: true}"
    done
  } >"$work/cluster.yaml"
}

start() {  # start NAME [--rejoin]
  local n=$1
  shift
  "$bin" node --cluster "$work/cluster.yaml" --id "$n" "$@" >"$work/$n.out" 2>>"$work/$n.log" &
  pids[$n]=$!
}
wait_ready() {
  for n in "$@"; do
    for _ in $(seq 100); do
      grep -q '^ready' "$work/$n.out" 2>/dev/null && break
      kill -0 "${pids[$n]}" 2>/dev/null || fail "node $n exited at start"
      sleep 0.1
    done
    grep -q '^ready' "$work/$n.out" || fail "node $n did not become ready"
  done
}
start_cluster() {
  write_config "$1"
  # Joining members are appended to the file only when they start (see the reshard case).
  cp "$work/cluster.yaml" "$work/full.yaml"
  grep -v 'join: true' "$work/full.yaml" >"$work/cluster.yaml"
  for n in "${names[@]}"; do start "$n"; done
  wait_ready "${names[@]}"
  # Every member sees the cluster as ok once the peer links are up.
  for n in "${names[@]}"; do
    for _ in $(seq 50); do
      redis-cli -p "${port[$n]}" CLUSTER INFO | grep -q 'cluster_state:ok' && break
      sleep 0.1
    done
  done
}
rcli() { local n=$1; shift; redis-cli -p "${port[$n]}" "$@"; }
check_cluster() {  # check_cluster NODE WHAT [TRIES]: redis-cli --cluster check passes -> $work/check.txt
  local rc=1
  for _ in $(seq "${3:-1}"); do
    rc=0
    redis-cli --cluster check "127.0.0.1:${port[$1]}" >"$work/check.txt" 2>&1 && break
    rc=1
    sleep 0.1
  done
  [ "$rc" == 0 ] || fail "$2: $(cat "$work/check.txt")"
  grep -q 'All nodes agree about slots configuration' "$work/check.txt" || fail "$2: $(cat "$work/check.txt")"
}
gets() {  # gets NODE FILE-OF-KEYS -> values, one per line, through redis-cli -c
  sed 's/^/GET /' "$2" | redis-cli -c -p "${port[$1]}" 2>&1 | grep -v '^-> Redirected'
}
# mc NODE BYTES...: one memcached connection (printf format), closed by quit; the replies.
mc() {
  local n=$1
  shift
  exec 3<>"/dev/tcp/127.0.0.1/${mcport[$n]}"
  # shellcheck disable=SC2059
  printf "$@" >&3
  printf 'quit\r\n' >&3
  timeout 5 cat <&3 | tr -d '\r'
  exec 3<&-
}
metric() {  # metric NODE NAME -> value
  curl -s "http://127.0.0.1:${metrics[$1]}/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}

case "$case_name" in
redis_cli)
  need redis-cli curl
  start_cluster sync
  rcli a CLUSTER INFO | tr -d '\r' | grep -q '^cluster_state:ok$' || fail "cluster_state: $(rcli a CLUSTER INFO)"
  expect_eq keyslot 12182 "$(rcli a CLUSTER KEYSLOT foo)"
  # foo lives in slot 12182, on c (primaries share the slots in file order).
  expect_eq moved "MOVED 12182 127.0.0.1:${port[c]}" "$(rcli a SET foo bar)"
  expect_eq "set -c" OK "$(redis-cli -c -p "${port[a]}" SET foo bar)"
  expect_eq "get -c via b" bar "$(redis-cli -c -p "${port[b]}" GET foo)"
  expect_eq "get -c via a replica" bar "$(redis-cli -c -p "${port[a2]}" GET foo)"
  for i in $(seq 50); do
    expect_eq "set k$i" OK "$(redis-cli -c -p "${port[b]}" SET "k$i" "v$i")"
  done
  for i in $(seq 50); do
    expect_eq "get k$i" "v$i" "$(redis-cli -c -p "${port[a2]}" GET "k$i")"
  done
  expect_eq crossslot "CROSSSLOT Keys in request don't hash to the same slot" \
    "$(redis-cli -c -p "${port[a]}" MGET k1 k2)"
  expect_eq "hash tags" OK "$(redis-cli -c -p "${port[a]}" MSET '{u1}.name' x '{u1}.age' 7)"
  expect_eq incr 8 "$(redis-cli -c -p "${port[a]}" INCR '{u1}.age')"
  slots=$(rcli b CLUSTER SLOTS | tr -d '\r' | tr '\n' ' ')
  [[ "$slots" == "0 5460 127.0.0.1 ${port[a]} "* ]] || fail "CLUSTER SLOTS: $slots"
  rcli c CLUSTER NODES | grep -q "127.0.0.1:${port[c2]}@${peer[c2]} slave" || fail "CLUSTER NODES: $(rcli c CLUSTER NODES)"
  rcli a CLUSTER SHARDS | grep -q replication-offset || fail "CLUSTER SHARDS"
  [ "$(rcli a CLUSTER MYID | wc -c)" -eq 41 ] || fail "CLUSTER MYID: $(rcli a CLUSTER MYID)"
  # Replication is visible in INFO and /metrics: c applied foo and acked it (sync mode).
  rcli c INFO replication | tr -d '\r' | grep -q '^role:master$' || fail "INFO c"
  rcli c2 INFO replication | tr -d '\r' | grep -q '^master_link_status:up$' || fail "INFO c2: $(rcli c2 INFO replication)"
  off=$(rcli c2 INFO replication | tr -d '\r' | sed -n 's/^slave_repl_offset://p')
  [ "$off" -ge 1 ] || fail "c2 offset $off"
  [ "$(metric c cachescope_cluster_state)" == 1 ] || fail "cluster_state metric"
  [ "$(metric c 'cachescope_cluster_role{shard="2",role="primary"}')" == 1 ] || fail "role metric"
  [ "$(metric c2 'cachescope_replication_offset{shard="2",role="replica"}')" == "$off" ] ||
    fail "offset metric vs INFO"
  [ "$(metric c2 'cachescope_replication_lag_writes{shard="2",role="replica"}')" == 0 ] || fail "lag"
  # redis-cli's own cluster checker and redis-benchmark's cluster mode accept the cluster.
  check_cluster b "--cluster check"
  grep -q 'All 16384 slots covered' "$work/check.txt" || fail "check: $(cat "$work/check.txt")"
  if command -v redis-benchmark >/dev/null; then
    redis-benchmark --cluster -p "${port[a]}" -t set,get -n 3000 -c 8 -q >"$work/bench.txt" 2>&1 ||
      fail "redis-benchmark --cluster: $(cat "$work/bench.txt")"
    [ "$(tr '\r' '\n' <"$work/bench.txt" | grep -c 'requests per second')" -eq 2 ] ||
      fail "redis-benchmark --cluster: $(cat "$work/bench.txt")"
  fi
  # Garbage on the peer port closes that connection only; the cluster carries on.
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 2 bash -c "cat >/dev/tcp/127.0.0.1/${peer[a]}" || true
  sleep 0.2
  expect_eq "after garbage" bar "$(redis-cli -c -p "${port[a]}" GET foo)"
  [ "$(metric a cachescope_cluster_peer_protocol_errors_total)" == 1 ] || fail "peer error not counted"
  ;;

cluster_commands)
  need redis-cli
  start_cluster sync
  # A key in a's slots (0..5460) and one in c's (10923..16383).
  key_in() {  # key_in LO HI -> the first kN whose slot is in [LO, HI]
    for i in $(seq 200); do
      s=$(rcli a CLUSTER KEYSLOT "k$i")
      if [ "$s" -ge "$1" ] && [ "$s" -le "$2" ]; then echo "k$i"; return; fi
    done
  }
  ka=$(key_in 0 5460)
  kc=$(key_in 10923 16383)
  expect_eq "set $ka" OK "$(redis-cli -c -p "${port[a]}" SET "$ka" va)"
  expect_eq "set $kc" OK "$(redis-cli -c -p "${port[a]}" SET "$kc" vc)"
  # READONLY: a2 serves reads of a's slots to this connection; READWRITE ends it.
  slot_a=$(rcli a CLUSTER KEYSLOT "$ka")
  expect_eq "replica get without READONLY" "MOVED $slot_a 127.0.0.1:${port[a]}" "$(rcli a2 GET "$ka")"
  out=$(printf 'READONLY\nGET %s\nEXISTS %s\nSTRLEN %s\nREADWRITE\nGET %s\n' "$ka" "$ka" "$ka" "$ka" |
    redis-cli -p "${port[a2]}" | tr -s '\n' ' ')
  expect_eq "READONLY on a2" "OK va 1 2 OK MOVED $slot_a 127.0.0.1:${port[a]} " "$out"
  slot_c=$(rcli a CLUSTER KEYSLOT "$kc")
  out=$(printf 'READONLY\nGET %s\n' "$kc" | redis-cli -p "${port[a2]}" | tr -s '\n' ' ')
  expect_eq "READONLY, another shard's key" "OK MOVED $slot_c 127.0.0.1:${port[c]} " "$out"
  # READONLY does not allow writes on a replica.
  out=$(printf 'READONLY\nSET %s x\n' "$ka" | redis-cli -p "${port[a2]}" | tr -s '\n' ' ')
  expect_eq "READONLY write" "OK MOVED $slot_a 127.0.0.1:${port[a]} " "$out"
  # FLUSHALL on a primary empties it and its replica (sync: before the OK); others keep theirs.
  for i in $(seq 300); do echo "SET f$i v$i"; done | redis-cli -c -p "${port[a]}" >/dev/null
  [ "$(rcli a DBSIZE)" -gt 50 ] || fail "a holds $(rcli a DBSIZE) keys"
  expect_eq "replica a2 before flush" "$(rcli a DBSIZE)" "$(rcli a2 DBSIZE)"
  before_c=$(rcli c DBSIZE)
  expect_eq "FLUSHALL on a replica" "READONLY You can't write against a read only replica." \
    "$(rcli a2 FLUSHALL)"
  expect_eq "FLUSHALL" OK "$(rcli a FLUSHALL)"
  expect_eq "a after FLUSHALL" 0 "$(rcli a DBSIZE)"
  expect_eq "a2 after FLUSHALL" 0 "$(rcli a2 DBSIZE)"
  expect_eq "c keeps its keys" "$before_c" "$(rcli c DBSIZE)"
  expect_eq "FLUSHDB ASYNC (empty)" OK "$(rcli a FLUSHDB ASYNC)"
  expect_eq "get after flush" "" "$(redis-cli -c -p "${port[b]}" GET "$ka")"
  # CONFIG per member: maxmemory shrinks b only and evicts there.
  expect_eq "CONFIG GET" "maxmemory 67108864" "$(rcli a CONFIG GET maxmemory | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "CONFIG SET" OK "$(rcli b CONFIG SET maxmemory 100kb)"
  expect_eq "CONFIG GET b" "maxmemory 102400 maxmemory-policy lru" "$(rcli b CONFIG GET 'maxmem*' | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "CONFIG GET c" "maxmemory 67108864" "$(rcli c CONFIG GET maxmemory | tr '\n' ' ' | sed 's/ $//')"
  v=$(head -c 300 /dev/zero | tr '\0' x)
  for i in $(seq 1500); do echo "SET m$i $v"; done | redis-cli -c -p "${port[b]}" >/dev/null
  used=$(rcli b INFO memory | tr -d '\r' | sed -n 's/^used_memory://p')
  [ "$used" -le 102400 ] || fail "b uses $used bytes above maxmemory 102400"
  ev=$(rcli b INFO stats | tr -d '\r' | sed -n 's/^evicted_keys://p')
  [ "$ev" -gt 0 ] || fail "b evicted nothing"
  # CONFIG SET maxmemory-policy: b's cache is rebuilt with the new policy and keeps every key
  # (values, TTLs); CONFIG GET, INFO and /metrics agree; the other members keep theirs.
  keys_b=$(rcli b DBSIZE)
  rcli b SET "ttl{m1}" kept EX 500 >/dev/null
  expect_eq "policy lfu" OK "$(rcli b CONFIG SET maxmemory-policy allkeys-lfu)"
  expect_eq "CONFIG GET policy" "maxmemory-policy lfu" "$(rcli b CONFIG GET maxmemory-policy | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "keys kept" "$((keys_b + 1))" "$(rcli b DBSIZE)"
  expect_eq "value kept" kept "$(rcli b GET "ttl{m1}")"
  ttl=$(rcli b TTL "ttl{m1}")
  [ "$ttl" -ge 498 ] && [ "$ttl" -le 500 ] || fail "ttl after the policy switch: $ttl"
  rcli b INFO memory | tr -d '\r' | grep -q '^maxmemory_policy:lfu$' || fail "INFO: $(rcli b INFO memory)"
  expect_eq "metrics policy" 1 "$(metric b 'cachescope_eviction_policy{policy="lfu"}')"
  ev2=$(rcli b INFO stats | tr -d '\r' | sed -n 's/^evicted_keys://p')
  [ "$ev2" -ge "$ev" ] || fail "evicted_keys went from $ev to $ev2 across the switch"
  expect_eq "metrics evicted" "$ev2" "$(metric b cachescope_evicted_keys_total)"
  for i in $(seq 300); do echo "SET m$i $v"; done | redis-cli -c -p "${port[b]}" >/dev/null
  used=$(rcli b INFO memory | tr -d '\r' | sed -n 's/^used_memory://p')
  [ "$used" -le 102400 ] || fail "b uses $used bytes above maxmemory 102400 under lfu"
  expect_eq "a keeps lru" "maxmemory-policy lru" "$(rcli a CONFIG GET maxmemory-policy | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "bad policy" "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - unknown or offline policy 'nosuch' (see 'cachescope policies')" \
    "$(rcli b CONFIG SET maxmemory-policy nosuch)"
  expect_eq "policy after a refusal" "maxmemory-policy lfu" "$(rcli b CONFIG GET maxmemory-policy | tr '\n' ' ' | sed 's/ $//')"
  ;;

failover_sync | failover_async)
  need redis-cli
  mode=${case_name#failover_}
  start_cluster "$mode"
  # a's replica is a2; kill a while writes go on; allowed: failure_timeout (1 s) + 1 s.
  nodes="127.0.0.1:${port[a]},127.0.0.1:${port[b]},127.0.0.1:${port[c]}"
  "$load" --nodes "$nodes" --watch "127.0.0.1:${port[a2]}" --kill-pid "${pids[a]}" \
    --mode "$mode" --before-ms 1500 --after-ms 1000 --limit-ms 2000 | tee "$work/load.txt" ||
    fail "cluster_load: $(cat "$work/load.txt")"
  wait "${pids[a]}" 2>/dev/null || true
  unset 'pids[a]'
  rcli b CLUSTER INFO | tr -d '\r' | grep -q '^cluster_state:ok$' || fail "cluster not ok after failover"
  grep -q "promoted to primary of shard 0" "$work/a2.log" || fail "no promotion logged"
  lost=$(curl -s "http://127.0.0.1:${metrics[a2]}/metrics" | awk '$1 == "cachescope_cluster_writes_possibly_lost_total" { print $2 }' || true)
  echo "a2 reports ${lost:-?} writes of the old primary's history missing at promotion"
  if [ "$mode" == sync ]; then
    # The old primary rejoins as a replica of a2 and resyncs its shard.
    start a --rejoin
    wait_ready a
    for _ in $(seq 60); do
      rcli a INFO replication | tr -d '\r' | grep -q '^master_link_status:up$' && break
      sleep 0.1
    done
    rcli a INFO replication | tr -d '\r' | grep -q '^role:slave$' || fail "a did not rejoin as a replica: $(rcli a INFO replication)"
    grep -q "full sync of shard 0 done" "$work/a.log" || fail "a did not resync"
    keys_a=$(rcli a DBSIZE)
    keys_a2=$(rcli a2 DBSIZE)
    expect_eq "keys after resync" "$keys_a2" "$keys_a"
  fi
  ;;

loadgen)
  need redis-cli
  start_cluster sync
  gen='zipf:alpha=0.9,objects=3000,requests=20000,seed=7'
  field() { sed -n "s/^  \"$2\": \([0-9.a-z]*\),*$/\1/p" "$1"; }
  redirect() { sed -n "s/^    \"$2\": \([0-9]*\),*$/\1/p" "$1"; }
  # --cluster: the slot map first, then each key straight to its owner. One connection with one
  # request in flight, so every miss writes a key not written before.
  "$bin" loadgen "redis://127.0.0.1:${port[b]}" --cluster --generate "$gen" -c 1 -P 1 \
    --value-size 50 --json "$work/lg1.json" >"$work/lg1.log" 2>&1 || fail "loadgen --cluster: $(cat "$work/lg1.log")"
  expect_eq requests 20000 "$(field "$work/lg1.json" requests)"
  expect_eq failed 0 "$(field "$work/lg1.json" failed_requests)"
  expect_eq cluster true "$(field "$work/lg1.json" cluster)"
  expect_eq cluster_nodes 3 "$(field "$work/lg1.json" cluster_nodes)"
  expect_eq "moved with a fresh map" 0 "$(redirect "$work/lg1.json" moved)"
  hits=$(field "$work/lg1.json" hits)
  misses=$(field "$work/lg1.json" misses)
  expect_eq reads 20000 "$((hits + misses))"
  [ "$hits" -gt 0 ] || fail "no hits"
  # Every key landed on its slot's primary: the primaries hold the misses' keys between them,
  # each a share, and counted exactly the reads the load generator made.
  total=0
  node_hits=0
  for n in a b c; do
    k=$(rcli "$n" DBSIZE)
    [ "$k" -gt 0 ] || fail "primary $n holds no keys"
    total=$((total + k))
    h=$(rcli "$n" INFO stats | tr -d '\r' | sed -n 's/^keyspace_hits://p')
    node_hits=$((node_hits + h))
    [ "$(metric "$n" cachescope_cluster_moved_total)" == 0 ] || fail "$n answered MOVED"
  done
  expect_eq "keys on the primaries" "$misses" "$total"
  expect_eq "hits on the primaries" "$hits" "$node_hits"
  # Without --cluster the first MOVED switches slot routing on: the requests in flight then
  # (at most 4 connections x pipeline 8) are the only ones redirected.
  "$bin" loadgen "127.0.0.1:${port[a2]}" --generate "$gen" -c 4 -P 8 --value-size 50 \
    --json "$work/lg2.json" >"$work/lg2.log" 2>&1 || fail "loadgen (auto): $(cat "$work/lg2.log")"
  expect_eq "auto requests" 20000 "$(field "$work/lg2.json" requests)"
  expect_eq "auto failed" 0 "$(field "$work/lg2.json" failed_requests)"
  expect_eq "auto cluster" true "$(field "$work/lg2.json" cluster)"
  moved=$(redirect "$work/lg2.json" moved)
  [ "$moved" -ge 1 ] && [ "$moved" -le 32 ] || fail "auto: $moved MOVED followed (expected 1..32)"
  [ "$(field "$work/lg2.json" slot_map_refreshes)" -ge 1 ] || fail "auto: no slot map refresh"
  expect_eq "auto cluster_nodes" 4 "$(field "$work/lg2.json" cluster_nodes)"
  [ "$(field "$work/lg2.json" hits)" -gt "$hits" ] || fail "auto: the keys written before should hit"
  grep -q 'redirects followed: MOVED' "$work/lg2.log" || fail "no redirect line: $(cat "$work/lg2.log")"
  cat "$work/lg1.log" "$work/lg2.log"
  ;;

loadgen_failover)
  need redis-cli
  start_cluster sync
  gen='zipf:alpha=0.9,objects=5000,requests=100M,seed=11'
  field() { sed -n "s/^  \"$2\": \([0-9.a-z]*\),*$/\1/p" "$1"; }
  "$bin" loadgen "redis://127.0.0.1:${port[b]}" --cluster --generate "$gen" -c 2 -P 4 \
    --value-size 50 --rate 3000 --duration 4s --json "$work/lg.json" >"$work/lg.log" 2>&1 &
  lg=$!
  sleep 1
  kill -9 "${pids[a]}"
  wait "${pids[a]}" 2>/dev/null || true
  unset 'pids[a]'
  wait "$lg" || fail "loadgen through a failover (exit status $?): $(cat "$work/lg.log")"
  cat "$work/lg.log"
  # Only the requests in flight to a when it died fail (2 connections x pipeline 4); those
  # for its slots wait until the map names a2, then go there.
  failed=$(field "$work/lg.json" failed_requests)
  [ "$failed" -le 8 ] || fail "$failed requests failed (at most 8 were in flight)"
  requests=$(field "$work/lg.json" requests)
  [ "$requests" -ge 6000 ] || fail "only $requests requests completed"
  expect_eq members_lost 1 "$(field "$work/lg.json" members_lost)"
  [ "$(field "$work/lg.json" slot_map_refreshes)" -ge 2 ] || fail "the map was not refreshed"
  rcli a2 INFO replication | tr -d '\r' | grep -q '^role:master$' || fail "a2 did not take over"
  ;;

reshard)
  # A new primary d, appended to the cluster file while the cluster runs, joins it, then redis-cli --cluster reshard moves 600 of a's
  # slots to it (CLUSTER SETSLOT IMPORTING/MIGRATING, GETKEYSINSLOT, MIGRATE, SETSLOT NODE) while
  # loadgen --cluster and a redis-cli -c writer run. Afterwards every acknowledged write must be
  # readable with its value, and the load generator must have followed ASK redirects.
  need redis-cli
  joiners=(d)
  start_cluster sync
  # Keys written before d exists.
  seq 1 3000 | sed 's/^/pre:/' >"$work/pre.keys"
  awk '{ print "SET " $1 " v-" $1 }' "$work/pre.keys" | redis-cli -c -p "${port[b]}" >"$work/pre.out" 2>&1
  expect_eq "pre-writes acknowledged" 3000 "$(grep -c '^OK$' "$work/pre.out")"
  # d is appended to the file the running members read; they learn it when it says Hello.
  cp "$work/full.yaml" "$work/cluster.yaml"
  start d
  wait_ready d
  for _ in $(seq 50); do
    rcli a CLUSTER NODES | grep -q "127.0.0.1:${port[d]}@${peer[d]} master" && break
    sleep 0.1
  done
  rcli a CLUSTER NODES | grep -q "127.0.0.1:${port[d]}@${peer[d]} master" || fail "d did not join: $(rcli a CLUSTER NODES)"
  grep -q "cluster: config epoch" "$work/d.log" || fail "d has no config"
  grep -q "learned member d" "$work/a.log" || fail "a did not learn d from the file"
  check_cluster a "check before" 50
  id_a=$(rcli a CLUSTER MYID)
  id_d=$(rcli d CLUSTER MYID)

  # redis-cli -c follows ASK: slot 0 migrates from a to d by hand; a key a does not hold goes
  # to d after ASKING; d serves it only with ASKING until the slot is handed over.
  k0=slot0key
  for i in $(seq 100000); do
    [ "$(rcli a CLUSTER KEYSLOT "k$i")" == 0 ] && { k0="k$i"; break; }
  done
  expect_eq "importing" OK "$(rcli d CLUSTER SETSLOT 0 IMPORTING "$id_a")"
  expect_eq "migrating" OK "$(rcli a CLUSTER SETSLOT 0 MIGRATING "$id_d")"
  rcli a CLUSTER NODES | grep -q "\[0->-$id_d\]" || fail "no migrating mark: $(rcli a CLUSTER NODES)"
  expect_eq "ask" "ASK 0 127.0.0.1:${port[d]}" "$(rcli a SET "$k0" x)"
  expect_eq "set -c via ASK" OK "$(redis-cli -c -p "${port[a]}" SET "$k0" via-ask)"
  expect_eq "d without ASKING" "MOVED 0 127.0.0.1:${port[a]}" "$(rcli d GET "$k0")"
  expect_eq "get -c via ASK" via-ask "$(redis-cli -c -p "${port[b]}" GET "$k0")"
  expect_eq "count on d" 1 "$(rcli d CLUSTER COUNTKEYSINSLOT 0)"
  expect_eq "count on a" 0 "$(rcli a CLUSTER COUNTKEYSINSLOT 0)"
  expect_eq "setslot node on d" OK "$(rcli d CLUSTER SETSLOT 0 NODE "$id_d")"
  expect_eq "setslot node on a" OK "$(rcli a CLUSTER SETSLOT 0 NODE "$id_d")"
  sleep 0.3
  expect_eq "moved to d" "MOVED 0 127.0.0.1:${port[d]}" "$(rcli c GET "$k0")"
  expect_eq "get -c via MOVED" via-ask "$(redis-cli -c -p "${port[c]}" GET "$k0")"

  # Reshard under load: loadgen (cache-aside, zipf) and a writer of fresh keys.
  gen='zipf:alpha=0.8,objects=20000,requests=100M,seed=5'
  field() { sed -n "s/^  \"$2\": \([0-9.a-z]*\),*$/\1/p" "$1"; }
  redirect() { sed -n "s/^    \"$2\": \([0-9]*\),*$/\1/p" "$1"; }
  "$bin" loadgen "redis://127.0.0.1:${port[b]}" --cluster --generate "$gen" -c 2 -P 4 \
    --value-size 50 --rate 1500 --duration 12s --json "$work/lg.json" >"$work/lg.log" 2>&1 &
  lg=$!
  seq 1 4000 | sed 's/^/live:/' >"$work/live.keys"
  (awk '{ print "SET " $1 " v-" $1 }' "$work/live.keys" | redis-cli -c -p "${port[c]}" >"$work/live.out" 2>&1) &
  writer=$!
  sleep 1
  # First 200 slots by hand, all open at once for 3 s of load, so the load generator meets the
  # ASK window (redis-cli's reshard below moves one slot at a time, a few ms each). The batches
  # go through one redis-cli per node and step.
  batch=$(seq 1001 1200)
  for s in $batch; do echo "CLUSTER SETSLOT $s IMPORTING $id_a"; done | rcli d >"$work/imp.out"
  for s in $batch; do echo "CLUSTER SETSLOT $s MIGRATING $id_d"; done | rcli a >"$work/mig.out"
  expect_eq "importing batch" 200 "$(grep -c '^OK$' "$work/imp.out")"
  expect_eq "migrating batch" 200 "$(grep -c '^OK$' "$work/mig.out")"
  sleep 3
  for s in $batch; do echo "CLUSTER GETKEYSINSLOT $s 1000"; done | rcli a | grep -v '^$' >"$work/batch.keys" || true
  if [ -s "$work/batch.keys" ]; then
    # Ten keys per MIGRATE, as redis-cli's reshard sends them.
    xargs -n 10 <"$work/batch.keys" | sed "s/^/MIGRATE 127.0.0.1 ${port[d]} \"\" 0 5000 KEYS /" |
      rcli a >"$work/migrate.out"
    [ "$(grep -cv '^OK$' "$work/migrate.out")" -eq 0 ] || fail "MIGRATE: $(grep -v '^OK$' "$work/migrate.out" | head -3)"
  fi
  expect_eq "batch keys left on a" 0 "$(for s in $batch; do echo "CLUSTER COUNTKEYSINSLOT $s"; done | rcli a | awk "{ n += \$1 } END { print n + 0 }")"
  for n in d a b c; do
    for s in $batch; do echo "CLUSTER SETSLOT $s NODE $id_d"; done | rcli "$n" >"$work/node-$n.out"
    expect_eq "setslot node on $n" 200 "$(grep -c '^OK$' "$work/node-$n.out")"
  done
  sleep 0.3
  reshard_start=$(date +%s%N)
  redis-cli --cluster reshard "127.0.0.1:${port[a]}" --cluster-from "$id_a" --cluster-to "$id_d" \
    --cluster-slots 600 --cluster-yes >"$work/reshard.txt" 2>&1 || fail "reshard: $(tail -20 "$work/reshard.txt")"
  echo "redis-cli --cluster reshard of 600 slots took $((($(date +%s%N) - reshard_start) / 1000000)) ms"
  wait "$writer" || fail "writer"
  wait "$lg" || fail "loadgen during the reshard (exit $?): $(cat "$work/lg.log")"
  cat "$work/lg.log"
  grep -c '^Moving slot' "$work/reshard.txt" | grep -qx 600 || fail "reshard moved $(grep -c '^Moving slot' "$work/reshard.txt") slots"
  sleep 0.3
  check_cluster b "check after"
  grep -q 'All 16384 slots covered' "$work/check.txt" || fail "check after: $(cat "$work/check.txt")"
  slots_d=$(rcli b CLUSTER NODES | awk -v p="127.0.0.1:${port[d]}@${peer[d]}" '$2 == p' | tr ' ' '\n' | sed -n '9,$p' |
    awk -F- '{ n += (NF == 2 ? $2 - $1 + 1 : 1) } END { print n }')
  expect_eq "slots on d" 801 "$slots_d"
  # Every acknowledged write is there with its value (the writer's keys and the ones before).
  acked=$(grep -c '^OK$' "$work/live.out")
  expect_eq "live writes acknowledged" 4000 "$acked"
  gets a "$work/pre.keys" >"$work/pre.got"
  gets d "$work/live.keys" >"$work/live.got"
  diff <(sed 's/^/v-/' "$work/pre.keys") "$work/pre.got" >/dev/null || fail "pre keys: $(diff <(sed 's/^/v-/' "$work/pre.keys") "$work/pre.got" | head)"
  diff <(sed 's/^/v-/' "$work/live.keys") "$work/live.got" >/dev/null || fail "live keys: $(diff <(sed 's/^/v-/' "$work/live.keys") "$work/live.got" | head)"
  # d holds keys now, a fewer; a's keys of the moved slots are gone from a and its replica.
  [ "$(rcli d DBSIZE)" -gt 100 ] || fail "d holds $(rcli d DBSIZE) keys"
  moved_slot=$(rcli b CLUSTER NODES | awk -v p="127.0.0.1:${port[d]}@${peer[d]}" '$2 == p { print $NF }' | cut -d- -f1)
  expect_eq "a keeps none of a moved slot" 0 "$(rcli a CLUSTER COUNTKEYSINSLOT "$moved_slot")"
  expect_eq "a2 keeps none of a moved slot" 0 "$(rcli a2 CLUSTER COUNTKEYSINSLOT "$moved_slot")"
  # The load generator ran through it: no failures, and ASK redirects followed.
  expect_eq "loadgen failed" 0 "$(field "$work/lg.json" failed_requests)"
  ask=$(redirect "$work/lg.json" ask)
  [ "$ask" -ge 1 ] || fail "loadgen followed no ASK: $(cat "$work/lg.log")"
  [ "$(metric a cachescope_cluster_ask_total)" -ge 1 ] || fail "a counted no ASK"
  # Server-side request latency (parsed request to reply ready), for the log.
  for n in a b c d; do
    echo "$n: requests answered within 1 ms / 10 ms / 100 ms / 1 s: $(for le in 0.001 0.01 0.1 1; do
      metric "$n" "cachescope_request_duration_seconds_bucket{le=\"$le\"}"
    done | paste -sd/) of $(metric "$n" cachescope_request_duration_seconds_count)"
  done
  for n in a b c a2 b2 c2 d; do
    echo "$n: CPU $(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/${pids[$n]}/stat") s"
  done | paste -sd' '
  echo "reshard: $acked live writes, $ask ASK and $(redirect "$work/lg.json" moved) MOVED redirects followed by loadgen"
  ;;

del_node)
  # Removing live members with redis-cli --cluster del-node (CLUSTER FORGET on every other
  # member, then CLUSTER RESET SOFT on the removed one): the replica c2 while b2 is down (b2
  # learns it when it rejoins), and a joined primary d once redis-cli --cluster reshard moved
  # its slots away and with a2 as its replica (del-node moves a2 on with CLUSTER REPLICATE); a
  # primary that still owns slots is refused. Every key written before is still readable
  # through redis-cli -c afterwards.
  need redis-cli
  joiners=(d)
  start_cluster sync
  cp "$work/full.yaml" "$work/cluster.yaml"
  start d
  wait_ready d
  check_cluster a "check before" 50
  id_a=$(rcli a CLUSTER MYID)
  id_b=$(rcli b CLUSTER MYID)
  id_d=$(rcli d CLUSTER MYID)
  id_c2=$(rcli c2 CLUSTER MYID)
  redis-cli --cluster reshard "127.0.0.1:${port[a]}" --cluster-from "$id_a" --cluster-to "$id_d" \
    --cluster-slots 300 --cluster-yes >"$work/reshard1.txt" 2>&1 || fail "reshard to d: $(tail -5 "$work/reshard1.txt")"
  seq 1 3000 | sed 's/^/k:/' >"$work/all.keys"
  awk '{ print "SET " $1 " v-" $1 }' "$work/all.keys" | redis-cli -c -p "${port[b]}" >"$work/set.out" 2>&1
  expect_eq "writes acknowledged" 3000 "$(grep -c '^OK$' "$work/set.out")"
  [ "$(rcli d DBSIZE)" -gt 20 ] || fail "d holds $(rcli d DBSIZE) keys"

  # A primary that owns slots is refused, by redis-cli itself and by the members.
  if redis-cli --cluster del-node "127.0.0.1:${port[b]}" "$id_a" >"$work/del-a.txt" 2>&1; then
    fail "del-node of a primary with slots succeeded: $(cat "$work/del-a.txt")"
  fi
  grep -q 'is not empty' "$work/del-a.txt" || fail "del-node a: $(cat "$work/del-a.txt")"
  rcli b CLUSTER FORGET "$id_a" | grep -q "is the primary of .* hash slots" || fail "FORGET a: $(rcli b CLUSTER FORGET "$id_a")"

  # The replica c2, while b2 is down (redis-cli skips members flagged fail).
  kill -9 "${pids[b2]}"
  wait "${pids[b2]}" 2>/dev/null || true
  for _ in $(seq 50); do
    rcli a CLUSTER NODES | grep -q "127.0.0.1:${port[b2]}@${peer[b2]} slave,fail" && break
    sleep 0.1
  done
  redis-cli --cluster del-node "127.0.0.1:${port[a]}" "$id_c2" >"$work/del-c2.txt" 2>&1 || fail "del-node c2: $(cat "$work/del-c2.txt")"
  grep -q 'Sending CLUSTER RESET SOFT' "$work/del-c2.txt" || fail "del-node c2: $(cat "$work/del-c2.txt")"
  sleep 0.3
  for n in a b c a2 d; do
    rcli "$n" CLUSTER NODES | grep -q "@${peer[c2]} " && fail "$n still lists c2: $(rcli "$n" CLUSTER NODES)"
  done
  rcli c2 GET k:1 | grep -q 'this node was removed from the cluster' || fail "c2 GET: $(rcli c2 GET k:1)"
  rcli c2 CLUSTER INFO | grep -q 'cluster_state:fail' || fail "c2 CLUSTER INFO"
  expect_eq "c2 keys" 0 "$(rcli c2 DBSIZE)"

  # a2 follows d (CLUSTER REPLICATE); when d is deleted, redis-cli del-node moves it on to the
  # primary with the fewest replicas (CLUSTER REPLICATE again).
  expect_eq "replicate d" OK "$(rcli a2 CLUSTER REPLICATE "$id_d")"
  for _ in $(seq 50); do
    rcli b CLUSTER NODES | grep -q "127.0.0.1:${port[a2]}@${peer[a2]} slave $id_d" && break
    sleep 0.1
  done
  rcli b CLUSTER NODES | grep -q "127.0.0.1:${port[a2]}@${peer[a2]} slave $id_d" || fail "a2 not d's replica: $(rcli b CLUSTER NODES)"
  # d: its slots go to b, then it is removed.
  redis-cli --cluster reshard "127.0.0.1:${port[a]}" --cluster-from "$id_d" --cluster-to "$id_b" \
    --cluster-slots 300 --cluster-yes >"$work/reshard2.txt" 2>&1 || fail "reshard from d: $(tail -5 "$work/reshard2.txt")"
  sleep 0.3
  expect_eq "d keys after its reshard" 0 "$(rcli d DBSIZE)"
  redis-cli --cluster del-node "127.0.0.1:${port[a]}" "$id_d" >"$work/del-d.txt" 2>&1 || fail "del-node d: $(cat "$work/del-d.txt")"
  sleep 0.5
  rcli d GET k:1 | grep -q 'this node was removed from the cluster' || fail "d GET: $(rcli d GET k:1)"
  rcli a CLUSTER NODES | grep -q "@${peer[d]} " && fail "a still lists d: $(rcli a CLUSTER NODES)"
  grep -q "127.0.0.1:${port[a2]} as replica of" "$work/del-d.txt" || fail "del-node d: $(cat "$work/del-d.txt")"
  for _ in $(seq 50); do
    rcli a2 INFO replication | tr -d '\r' | grep -q '^master_link_status:up$' && break
    sleep 0.1
  done
  rcli b CLUSTER NODES | grep -q "127.0.0.1:${port[a2]}@${peer[a2]} slave " || fail "a2 after del-node d: $(rcli b CLUSTER NODES)"

  # b2 was down through both removals; it rejoins and learns them.
  start b2 --rejoin
  wait_ready b2
  for _ in $(seq 50); do
    rcli b2 INFO replication | tr -d '\r' | grep -q '^master_link_status:up$' &&
      ! rcli b2 CLUSTER NODES | grep -q "@${peer[d]} " && break
    sleep 0.1
  done
  rcli b2 CLUSTER NODES | grep -q -e "@${peer[d]} " -e "@${peer[c2]} " && fail "b2 after rejoin: $(rcli b2 CLUSTER NODES)"
  sleep 0.3
  check_cluster a "check after"
  grep -q 'All 16384 slots covered' "$work/check.txt" || fail "check after: $(cat "$work/check.txt")"
  grep -q -e ":${port[d]}" -e ":${port[c2]}" "$work/check.txt" && fail "check lists a removed member: $(cat "$work/check.txt")"
  # Every key written before the removals, with its value.
  gets a "$work/all.keys" >"$work/all.got"
  diff <(sed 's/^/v-/' "$work/all.keys") "$work/all.got" >/dev/null || fail "keys: $(diff <(sed 's/^/v-/' "$work/all.keys") "$work/all.got" | head)"
  ;;

memcached)
  need redis-cli memccat memcstat
  with_memcached=1
  start_cluster sync
  grep -q "^ready redis=${port[a]} memcached=${mcport[a]} " "$work/a.out" || fail "ready line: $(cat "$work/a.out")"
  key_in() {  # key_in LO HI -> the first kN whose slot is in [LO, HI]
    for i in $(seq 200); do
      s=$(rcli a CLUSTER KEYSLOT "k$i")
      if [ "$s" -ge "$1" ] && [ "$s" -le "$2" ]; then echo "k$i"; return; fi
    done
  }
  ka=$(key_in 0 5460)
  kc=$(key_in 10923 16383)
  slot_c=$(rcli a CLUSTER KEYSLOT "$kc")
  expect_eq "set on the owner" STORED "$(mc a 'set %s 0 0 5\r\nhello\r\n' "$ka")"
  expect_eq "get on the owner" "VALUE $ka 0 5 hello END " "$(mc a 'get %s\r\n' "$ka" | tr '\n' ' ')"
  expect_eq "memccat" hello "$(memccat --servers="127.0.0.1:${mcport[a]}" "$ka")"
  # The slot is Redis's: foo (12182) lives on c, and the Redis side sees the memcached write.
  expect_eq "MOVED from a non-owner" "SERVER_ERROR MOVED $slot_c 127.0.0.1:${mcport[c]}" \
    "$(mc a 'set %s 0 0 1\r\nx\r\n' "$kc")"
  expect_eq "get MOVED" "SERVER_ERROR MOVED $slot_c 127.0.0.1:${mcport[c]}" "$(mc b 'get %s\r\n' "$kc")"
  expect_eq "set on c" STORED "$(mc c 'set %s 0 0 2\r\nvc\r\n' "$kc")"
  expect_eq "the Redis side" vc "$(redis-cli -c -p "${port[a]}" GET "$kc")"
  expect_eq "Redis write, memcached read" "VALUE foo 0 3 bar END " \
    "$(redis-cli -c -p "${port[a]}" SET foo bar >/dev/null; mc c 'get foo\r\n' | tr '\n' ' ')"
  # Replicated like a Redis write: the replica a2 has it (READONLY read on its Redis port).
  out=$(printf 'READONLY\nGET %s\n' "$ka" | redis-cli -p "${port[a2]}" | tr -s '\n' ' ')
  expect_eq "on the replica" "OK hello " "$out"
  # Other commands, and the refused ones.
  expect_eq "add existing" NOT_STORED "$(mc a 'add %s 0 0 1\r\nz\r\n' "$ka")"
  expect_eq "touch" TOUCHED "$(mc a 'touch %s 100\r\n' "$ka")"
  ttl=$(rcli a TTL "$ka")
  [ "$ttl" -ge 99 ] && [ "$ttl" -le 100 ] || fail "ttl after touch: $ttl"
  expect_eq "incr, memcached's rules" "NOT_FOUND STORED 8 0 " \
    "$(mc a 'incr n{%s} 1\r\nset n{%s} 0 0 1\r\n5\r\nincr n{%s} 3\r\ndecr n{%s} 9\r\n' "$ka" "$ka" "$ka" "$ka" | tr '\n' ' ')"
  expect_eq "append" "STORED VALUE n{$ka} 0 3 0ab END " \
    "$(mc a 'append n{%s} 0 0 2\r\nab\r\nget n{%s}\r\n' "$ka" "$ka" | tr '\n' ' ')"
  # Flags, gets and cas (protocol.txt): the cas unique changes on every modification, not on
  # a touch; a stale token is EXISTS.
  expect_eq "set with flags" STORED "$(mc a 'set f{%s} 3735928559 0 3\r\nabc\r\n' "$ka")"
  g=$(mc a 'gets f{%s}\r\n' "$ka" | head -1)
  cas=${g##* }
  expect_eq "gets" "VALUE f{$ka} 3735928559 3 $cas" "$g"
  expect_eq "gats keeps the cas" "$g" "$(mc a 'gats 100 f{%s}\r\n' "$ka" | head -1)"
  expect_eq "cas, wrong token" EXISTS "$(mc a 'cas f{%s} 5 0 3 %s\r\nxyz\r\n' "$ka" "$((cas + 1))")"
  expect_eq "cas" STORED "$(mc a 'cas f{%s} 5 0 3 %s\r\nxyz\r\n' "$ka" "$cas")"
  expect_eq "cas, stale token" EXISTS "$(mc a 'cas f{%s} 5 0 3 %s\r\nold\r\n' "$ka" "$cas")"
  expect_eq "cas, no item" NOT_FOUND "$(mc a 'cas nothing{%s} 5 0 3 1\r\nold\r\n' "$ka")"
  expect_eq "cas MOVED" "SERVER_ERROR MOVED $slot_c 127.0.0.1:${mcport[c]}" \
    "$(mc a 'cas %s 0 0 1 1\r\nx\r\n' "$kc")"
  g=$(mc a 'gets f{%s}\r\n' "$ka" | head -1)
  [ "${g##* }" != "$cas" ] || fail "the cas unique did not change: $g"
  expect_eq "flags after cas" "VALUE f{$ka} 5 3" "${g% *}"
  # The replica holds the same item: memcached reads there after `readonly` (a cachescope
  # extension, Redis Cluster's READONLY).
  expect_eq "replica without readonly" "SERVER_ERROR MOVED $(rcli a CLUSTER KEYSLOT "$ka") 127.0.0.1:${mcport[a]}" \
    "$(mc a2 'gets f{%s}\r\n' "$ka")"
  expect_eq "replica gets" "OK $g xyz END " "$(mc a2 'readonly\r\ngets f{%s}\r\n' "$ka" | tr '\n' ' ')"
  expect_eq "memccat flags" "VALUE f{$ka} 5 3" "$(mc a 'get f{%s}\r\n' "$ka" | head -1)"
  expect_eq "bad data chunk" "CLIENT_ERROR bad data chunk" "$(mc a 'set %s 0 0 1\r\nzzz\r\n' "$ka" | head -1)"
  expect_eq delete DELETED "$(mc a 'delete %s\r\n' "$ka")"
  out=$(printf 'READONLY\nEXISTS %s\n' "$ka" | redis-cli -p "${port[a2]}" | tr -s '\n' ' ')
  expect_eq "delete replicated" "OK 0 " "$out"
  # a holds n{ka} and f{ka}; its hits: the get, memccat, the get after append and the four
  # reads of f{ka}.
  memcstat --servers="127.0.0.1:${mcport[a]}" >"$work/stat.txt" || fail "memcstat: $(cat "$work/stat.txt")"
  grep -q 'get_hits: 7$' "$work/stat.txt" || fail "memcstat: $(cat "$work/stat.txt")"
  grep -q 'curr_items: 2$' "$work/stat.txt" || fail "memcstat: $(cat "$work/stat.txt")"
  grep -q 'cas_hits: 1$' "$work/stat.txt" || fail "memcstat: $(cat "$work/stat.txt")"
  grep -q 'cas_badval: 2$' "$work/stat.txt" || fail "memcstat: $(cat "$work/stat.txt")"
  # A line too long closes that connection only.
  head -c 5000 /dev/zero | tr '\0' x | timeout 2 bash -c "cat >/dev/tcp/127.0.0.1/${mcport[a]}" || true
  expect_eq "after garbage" "VALUE foo 0 3 bar END " "$(mc c 'get foo\r\n' | tr '\n' ' ')"
  # stats cluster: the slot map as memcached addresses.
  expect_eq "stats cluster" "STAT 0-5460 127.0.0.1:${mcport[a]} STAT 5461-10922 127.0.0.1:${mcport[b]} STAT 10923-16383 127.0.0.1:${mcport[c]} END " \
    "$(mc b2 'stats cluster\r\n' | tr '\n' ' ')"
  # loadgen memcached --cluster: the map from stats cluster, each key to its owner. One connection,
  # one request in flight: every miss writes a new key, so the hits must equal a Redis run's
  # on the same (flushed) cluster exactly.
  field() { sed -n "s/^  \"$2\": \([0-9.a-z]*\),*$/\1/p" "$1"; }
  redirect() { sed -n "s/^    \"$2\": \([0-9]*\),*$/\1/p" "$1"; }
  for n in a b c; do rcli "$n" FLUSHALL >/dev/null; done
  gen='zipf:alpha=0.9,objects=3000,requests=20000,seed=7'
  "$bin" loadgen "memcached://127.0.0.1:${mcport[b]}" --cluster --generate "$gen" -c 1 -P 1 \
    --value-size 50 --json "$work/mc.json" >"$work/mc.log" 2>&1 || fail "loadgen memcached --cluster: $(cat "$work/mc.log")"
  expect_eq requests 20000 "$(field "$work/mc.json" requests)"
  expect_eq failed 0 "$(field "$work/mc.json" failed_requests)"
  expect_eq cluster_nodes 3 "$(field "$work/mc.json" cluster_nodes)"
  moved=$(redirect "$work/mc.json" moved)
  expect_eq "moved with a fresh map" 0 "$moved"
  [ "$(field "$work/mc.json" slot_map_refreshes)" -ge 1 ] || fail "memcached: no stats cluster"
  mc_hits=$(field "$work/mc.json" hits)
  misses=$(field "$work/mc.json" misses)
  total=0
  for n in a b c; do total=$((total + $(rcli "$n" DBSIZE))); done
  expect_eq "keys on the primaries" "$misses" "$total"
  for n in a b c; do rcli "$n" FLUSHALL >/dev/null; done
  "$bin" loadgen "redis://127.0.0.1:${port[b]}" --cluster --generate "$gen" -c 1 -P 1 \
    --value-size 50 --json "$work/redis.json" >"$work/redis.log" 2>&1 || fail "loadgen redis: $(cat "$work/redis.log")"
  expect_eq "hits, memcached vs redis" "$(field "$work/redis.json" hits)" "$mc_hits"
  echo "memcached --cluster: hits $mc_hits of 20000, $moved MOVED followed"
  # Without --cluster, against a replica: the first SERVER_ERROR MOVED switches routing on.
  "$bin" loadgen "memcached://127.0.0.1:${mcport[a2]}" --generate "$gen" -c 4 -P 8 --value-size 50 \
    --json "$work/mc2.json" >"$work/mc2.log" 2>&1 || fail "loadgen memcached (auto): $(cat "$work/mc2.log")"
  expect_eq "auto failed" 0 "$(field "$work/mc2.json" failed_requests)"
  expect_eq "auto cluster" true "$(field "$work/mc2.json" cluster)"
  moved=$(redirect "$work/mc2.json" moved)
  [ "$moved" -ge 1 ] && [ "$moved" -le 32 ] || fail "auto: $moved MOVED followed (expected 1..32)"
  cat "$work/mc.log"
  ;;

memcached_failover)
  # Flags and cas uniques survive a failover: they travel with the values in the replication
  # stream, so the promoted replica answers gets as the old primary did and accepts its tokens.
  need redis-cli
  with_memcached=1
  start_cluster sync
  for i in $(seq 200); do
    k="k$i"
    [ "$(rcli a CLUSTER KEYSLOT "$k")" -le 5460 ] && break
  done
  slot=$(rcli a CLUSTER KEYSLOT "$k")
  expect_eq "sets" "STORED STORED " \
    "$(mc a 'set %s 17 0 5\r\nfirst\r\nset t{%s} 4294967295 300 3\r\nttl\r\n' "$k" "$k" | tr '\n' ' ')"
  before=$(mc a 'gets %s t{%s}\r\n' "$k" "$k" | tr '\n' ' ')
  cas=$(echo "$before" | awk '{ print $5 }')
  expect_eq "replica before" "OK $before" "$(mc a2 'readonly\r\ngets %s t{%s}\r\n' "$k" "$k" | tr '\n' ' ')"
  kill -9 "${pids[a]}"
  wait "${pids[a]}" 2>/dev/null || true
  unset 'pids[a]'
  for _ in $(seq 150); do
    rcli a2 INFO replication | tr -d '\r' | grep -q '^role:master$' && break
    sleep 0.02
  done
  rcli a2 INFO replication | tr -d '\r' | grep -q '^role:master$' || fail "a2 was not promoted"
  expect_eq "promoted gets" "$before" "$(mc a2 'gets %s t{%s}\r\n' "$k" "$k" | tr '\n' ' ')"
  expect_eq "MOVED to the promoted replica" "SERVER_ERROR MOVED $slot 127.0.0.1:${mcport[a2]}" \
    "$(mc b 'get %s\r\n' "$k")"
  expect_eq "wrong token" EXISTS "$(mc a2 'cas %s 18 0 6 %s\r\nsecond\r\n' "$k" "$((cas + 1))")"
  expect_eq "the old primary's token" STORED "$(mc a2 'cas %s 18 0 6 %s\r\nsecond\r\n' "$k" "$cas")"
  g=$(mc a2 'gets %s\r\n' "$k" | head -1)
  expect_eq "after cas" "VALUE $k 18 6" "${g% *}"
  [ "${g##* }" != "$cas" ] || fail "the cas unique did not change: $g"
  expect_eq "stale token" EXISTS "$(mc a2 'cas %s 19 0 3 %s\r\nold\r\n' "$k" "$cas")"
  ttl=$(rcli a2 TTL "t{$k}")
  [ "$ttl" -ge 290 ] && [ "$ttl" -le 300 ] || fail "TTL after the failover: $ttl"
  # The old primary comes back as a replica and full-resyncs: flags and cas uniques come along.
  start a --rejoin
  wait_ready a
  for _ in $(seq 60); do
    rcli a INFO replication | tr -d '\r' | grep -q '^master_link_status:up$' && break
    sleep 0.1
  done
  now=$(mc a2 'gets %s t{%s}\r\n' "$k" "$k" | tr '\n' ' ')
  for _ in $(seq 30); do
    [ "$(mc a 'readonly\r\ngets %s t{%s}\r\n' "$k" "$k" | tr '\n' ' ')" == "OK $now" ] && break
    sleep 0.1
  done
  expect_eq "rejoined replica" "OK $now" "$(mc a 'readonly\r\ngets %s t{%s}\r\n' "$k" "$k" | tr '\n' ' ')"
  echo "promoted: $now"
  ;;

*)
  echo "unknown case $case_name" >&2
  exit 2
  ;;
esac
echo "PASS: $case_name"
