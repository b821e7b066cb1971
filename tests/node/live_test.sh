#!/usr/bin/env bash
# Process tests of `cachescope node`: start the real binary on loopback (port 0 = a free port,
# read back from its "ready ..." line) and drive it with real clients.
# Usage: live_test.sh CASE PATH/TO/cachescope
# Prints "SKIPPED: ..." and exits 0 when a client tool it needs is not installed.
set -euo pipefail

case_name=$1
bin=$2
pids=()
# shellcheck source=live_lib.sh
source "$(dirname "$0")/live_lib.sh"

# start_node NAME ARGS...: sets RPORT, MPORT, HPORT.
start_node() {
  local name=$1
  shift
  # NOFILE=N limits the node's open files (to provoke accept failures).
  (if [ -n "${NOFILE:-}" ]; then ulimit -n "$NOFILE"; fi
   exec "$bin" node "$@") >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
  for _ in $(seq 100); do
    if grep -q '^ready' "$work/$name.out" 2>/dev/null; then
      read -r _ r m h <"$work/$name.out"
      RPORT=${r#redis=}
      MPORT=${m#memcached=}
      HPORT=${h#metrics=}
      return 0
    fi
    kill -0 "${pids[-1]}" 2>/dev/null || fail "node $name exited at start"
    sleep 0.1
  done
  fail "node $name did not become ready"
}

rcli() { redis-cli -p "$RPORT" "$@"; }
info_field() { rcli INFO all | tr -d '\r' | sed -n "s/^$1://p"; }
metric() {
  curl -s "http://127.0.0.1:$HPORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
# Sends raw bytes to a port and prints what comes back before the server closes or 1 s passes.
raw() {  # raw PORT BYTES
  local out
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf '%b' "$2" >&3
  out=$(timeout 1 cat <&3 2>/dev/null || true)
  exec 3>&-
  printf '%s' "$out"
}

case "$case_name" in
redis_cli)
  need redis-cli
  start_node n --port 0
  expect_eq ping PONG "$(rcli PING)"
  expect_eq set OK "$(rcli SET greeting 'hello world')"
  expect_eq get 'hello world' "$(rcli GET greeting)"
  expect_eq setex OK "$(rcli SET tmp 1 EX 100 NX)"
  expect_eq ttl 100 "$(rcli TTL tmp)"
  expect_eq incrby 11 "$(rcli INCRBY tmp 10)"
  expect_eq append 13 "$(rcli APPEND greeting '!!')"
  expect_eq mget $'hello world!!\n\n11' "$(rcli MGET greeting nothing tmp)"
  expect_eq unknown "ERR unknown command 'frobnicate', with args beginning with: 'x' " \
    "$(rcli frobnicate x)"
  expect_eq arity "ERR wrong number of arguments for 'get' command" "$(rcli GET)"
  expect_eq notint "ERR value is not an integer or out of range" "$(rcli INCR greeting)"
  expect_eq config $'maxmemory\n268435456' "$(rcli CONFIG GET maxmemory)"
  expect_eq setname OK "$(rcli CLIENT SETNAME tester)"
  expect_eq dbsize 2 "$(rcli DBSIZE)"
  rcli INFO keyspace | grep -q '^db0:keys=2,expires=1' || fail "INFO keyspace: $(rcli INFO keyspace)"
  rcli COMMAND COUNT | grep -Eq '^[0-9]+$' || fail "COMMAND COUNT"
  # Pipelining: 2000 commands in one stream, replies counted by redis-cli --pipe.
  for i in $(seq 1000); do printf 'SET pipe:%d %d\r\nINCR pipe:%d\r\n' "$i" "$i" "$i"; done \
    >"$work/pipe.txt"
  rcli --pipe <"$work/pipe.txt" >"$work/pipe.log" 2>&1 || fail "redis-cli --pipe"
  grep -q 'errors: 0, replies: 2000' "$work/pipe.log" || fail "pipe: $(cat "$work/pipe.log")"
  expect_eq pipelined 1001 "$(rcli GET pipe:1000)"
  # Inline commands, telnet style, and QUIT closing the connection.
  expect_eq inline $'+OK\n$3\nv w\n+OK' \
    "$(raw "$RPORT" 'SET "in line" "v w"\r\nGET "in line"\r\nQUIT\r\nPING\r\n' | tr -d '\r')"
  ;;

redis_benchmark)
  need redis-cli redis-benchmark
  start_node n --port 0
  redis-benchmark -p "$RPORT" -q -n 10000 -t set,get >"$work/bench.txt" 2>&1 || fail "redis-benchmark failed"
  tr '\r' '\n' <"$work/bench.txt" | grep -E '^(SET|GET): [0-9.]+ requests per second' | tee "$work/rps.txt"
  [ "$(wc -l <"$work/rps.txt")" -eq 2 ] || fail "redis-benchmark output: $(cat "$work/bench.txt")"
  expect_eq "benchmark key" VXK "$(rcli GET key:__rand_int__)"
  [ "$(info_field total_commands_processed)" -ge 20000 ] || fail "commands not counted"
  ;;

memcached)
  need memccp memccat memcstat memcrm memcflush memctouch
  start_node n --memcached-port 0 --port 0
  s="--servers=127.0.0.1:$MPORT"
  printf 'file contents\nline two\n' >"$work/item.txt"
  (cd "$work" && memccp "$s" item.txt) || fail memccp
  expect_eq memccat $'file contents\nline two' "$(memccat "$s" item.txt)"
  memcstat "$s" | grep -q 'curr_items: 1' || fail "memcstat: $(memcstat "$s")"
  memctouch "$s" --expire=100 item.txt || fail memctouch
  memcrm "$s" item.txt || fail memcrm
  memccat "$s" item.txt >/dev/null 2>&1 && fail "item.txt still there after memcrm"
  # Raw protocol: flags, cas, incr, noreply, and the shared store.
  expect_eq set $'STORED\nVALUE k 7 2\nhi\nEND' \
    "$(raw "$MPORT" 'set k 7 0 2\r\nhi\r\nget k\r\nquit\r\n' | tr -d '\r')"
  expect_eq shared hi "$(rcli GET k)"
  expect_eq incr $'5' "$(raw "$MPORT" 'set n 0 0 1 noreply\r\n4\r\nincr n 1\r\nquit\r\n' | tr -d '\r')"
  memcflush "$s" || fail memcflush
  expect_eq flushed 0 "$(rcli DBSIZE)"
  ;;

maxmemory)
  need redis-cli redis-benchmark curl
  start_node n --port 0 --metrics-port 0 --maxmemory 256KiB --policy lru
  max=262144
  # 20000 SETs of 100-byte values over 50000 random keys: far more than fits.
  redis-benchmark -p "$RPORT" -q -n 20000 -r 50000 -d 100 -t set >/dev/null 2>&1 || fail benchmark
  used=$(info_field used_memory)
  [ "$used" -le "$max" ] || fail "used_memory $used > maxmemory $max"
  ev=$(info_field evicted_keys)
  [ "$ev" -gt 0 ] || fail "no evictions"
  expect_eq "evictions INFO vs /metrics" "$ev" "$(metric cachescope_evicted_keys_total)"
  expect_eq "used INFO vs /metrics" "$used" "$(metric cachescope_memory_used_bytes)"
  # One object larger than maxmemory is refused.
  big=$(head -c 300000 /dev/zero | tr '\0' x)
  expect_eq oom "OOM command not allowed when used memory > 'maxmemory'." "$(rcli -x SET big <<<"$big")"
  # Shrinking maxmemory evicts at once.
  expect_eq shrink OK "$(rcli CONFIG SET maxmemory 64KiB)"
  [ "$(info_field used_memory)" -le 65536 ] || fail "used_memory above the new maxmemory"
  # TTL: active expiry removes keys nobody reads again.
  expect_eq flush OK "$(rcli FLUSHALL)"
  for i in $(seq 200); do printf 'SET ttl:%d v PX 200\r\n' "$i"; done | rcli --pipe >/dev/null
  expect_eq keep OK "$(rcli SET keep v)"
  expired0=$(info_field expired_keys)
  sleep 2.5
  expect_eq "after expiry" 1 "$(rcli DBSIZE)"
  expired=$(info_field expired_keys)
  [ "$expired" -eq $((expired0 + 200)) ] || fail "expired_keys $expired, expected $((expired0 + 200))"
  expect_eq "expired /metrics" "$expired" "$(metric cachescope_expired_keys_total)"
  ;;

garbage)
  need redis-cli
  start_node n --port 0 --memcached-port 0
  expect_eq set OK "$(rcli SET precious data)"
  expect_eq multibulk "-ERR Protocol error: invalid multibulk length" \
    "$(raw "$RPORT" '*99999999999\r\n' | tr -d '\r')"
  expect_eq dollar "-ERR Protocol error: expected '\$', got 'x'" \
    "$(raw "$RPORT" '*1\r\nxyz\r\n' | tr -d '\r')"
  expect_eq quotes $'+PONG\n-ERR Protocol error: unbalanced quotes in request' \
    "$(raw "$RPORT" 'PING\r\nSET "a b\r\nPING\r\n' | tr -d '\r')"
  expect_eq mc_chunk $'CLIENT_ERROR bad data chunk\nERROR' \
    "$(raw "$MPORT" 'set a 0 0 1\r\nxyz\r\nquit\r\n' | tr -d '\r')"
  expect_eq mc_toolarge "SERVER_ERROR object too large for cache" \
    "$(raw "$MPORT" 'set a 0 0 2000000\r\nquit\r\n' | tr -d '\r')"
  head -c 3000 /dev/zero | tr '\0' a >"$work/long.txt"
  expect_eq mc_long "CLIENT_ERROR line too long" "$(raw "$MPORT" "$(cat "$work/long.txt")" | tr -d '\r')"
  # Random bytes on both ports, many connections; the server must survive and keep its data.
  for i in $(seq 40); do
    head -c 4096 /dev/urandom >"$work/junk"
    { exec 3<>"/dev/tcp/127.0.0.1/$RPORT" && cat "$work/junk" >&3 && exec 3>&-; } 2>/dev/null || true
    { exec 3<>"/dev/tcp/127.0.0.1/$MPORT" && cat "$work/junk" >&3 && exec 3>&-; } 2>/dev/null || true
  done
  expect_eq alive PONG "$(rcli PING)"
  expect_eq kept data "$(rcli GET precious)"
  kill -0 "${pids[0]}" || fail "server died"
  ;;

metrics)
  need redis-cli curl
  start_node n --port 0 --memcached-port 0 --metrics-port 0
  rcli SET a 1 >/dev/null
  rcli GET a >/dev/null
  rcli GET b >/dev/null
  raw "$MPORT" 'get a\r\nquit\r\n' >/dev/null
  body=$(curl -s -D "$work/headers" "http://127.0.0.1:$HPORT/metrics")
  grep -q '^HTTP/1.1 200' "$work/headers" || fail "status: $(head -1 "$work/headers")"
  grep -qi '^Content-Type: text/plain; version=0.0.4' "$work/headers" || fail "content type"
  grep -q '^cachescope_commands_total{protocol="redis",command="get"} 2$' <<<"$body" || fail "ops: $body"
  grep -q '^cachescope_commands_total{protocol="memcached",command="get"} 1$' <<<"$body" || fail "mc ops"
  expect_eq hits "$(info_field keyspace_hits)" "$(metric cachescope_keyspace_hits_total)"
  expect_eq misses "$(info_field keyspace_misses)" "$(metric cachescope_keyspace_misses_total)"
  expect_eq hits_value 2 "$(info_field keyspace_hits)"
  grep -q '^cachescope_request_duration_seconds_bucket{le="+Inf"} [1-9]' <<<"$body" || fail histogram
  grep -q '^cachescope_request_duration_seconds_count [1-9]' <<<"$body" || fail histogram_count
  grep -q '^cachescope_memory_max_bytes 268435456$' <<<"$body" || fail memory_max
  expect_eq 404 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/other")"
  expect_eq 405 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$HPORT/metrics")"
  expect_eq bad_http "HTTP/1.1 400 Bad Request" "$(raw "$HPORT" 'garbage\r\n\r\n' | head -1 | tr -d '\r')"
  ;;

config)
  need redis-cli
  cat >"$work/node.yaml" <<YAML
port: 0
maxmemory: 1MiB
policy: arc
log-level: warn
YAML
  start_node n --config "$work/node.yaml" --maxmemory 2MiB
  expect_eq maxmemory $'maxmemory\n2097152' "$(rcli CONFIG GET maxmemory)"
  expect_eq policy $'maxmemory-policy\narc' "$(rcli CONFIG GET maxmemory-policy)"
  printf 'port: 0\nmaxmemory: lots\n' >"$work/bad.yaml"
  set +e
  msg=$("$bin" node --config "$work/bad.yaml" 2>&1)
  code=$?
  set -e
  expect_eq bad_config_code 1 "$code"
  grep -q "bad.yaml:2: field 'maxmemory'" <<<"$msg" || fail "bad config message: $msg"
  set +e
  msg=$("$bin" node --port 0 --policy nosuch 2>&1)
  code=$?
  set -e
  expect_eq bad_flag_code 2 "$code"
  grep -q "unknown policy 'nosuch'" <<<"$msg" || fail "bad policy message: $msg"
  set +e
  msg=$("$bin" node 2>&1)
  code=$?
  set -e
  expect_eq no_port_code 2 "$code"
  set +e
  msg=$("$bin" node --port "$RPORT" 2>&1)
  code=$?
  set -e
  expect_eq busy_port_code 1 "$code"
  grep -q "cannot listen on 127.0.0.1:$RPORT" <<<"$msg" || fail "busy port message: $msg"
  ;;

limits)
  need redis-cli
  start_node n --port 0 --memcached-port 0 --maxclients 2
  exec 4<>"/dev/tcp/127.0.0.1/$RPORT"
  exec 5<>"/dev/tcp/127.0.0.1/$MPORT"
  sleep 0.2
  expect_eq redis_full "-ERR max number of clients reached" "$(raw "$RPORT" 'PING\r\n' | tr -d '\r')"
  expect_eq mc_full "SERVER_ERROR Too many open connections" "$(raw "$MPORT" 'version\r\n' | tr -d '\r')"
  exec 4>&- 5>&-
  sleep 0.2
  expect_eq freed PONG "$(rcli PING)"
  rcli INFO stats | grep -q '^rejected_connections:2' || fail "rejected_connections: $(rcli INFO stats)"
  # Out of file descriptors: accept fails, the node logs it, retries, and serves again once
  # clients leave.
  NOFILE=16 start_node fd --port 0
  for i in $(seq 20); do eval "exec $((i + 20))<>/dev/tcp/127.0.0.1/$RPORT"; done
  sleep 0.5
  for i in $(seq 20); do eval "exec $((i + 20))>&-"; done
  sleep 0.3
  expect_eq fd_recovered PONG "$(rcli PING)"
  grep -q 'accept failed: Too many open files' "$work/fd.log" || fail "no accept failure logged"
  # SIGTERM stops the node cleanly.
  kill -TERM "${pids[0]}"
  wait "${pids[0]}" || fail "exit code $? after SIGTERM"
  grep -q stopped "$work/n.log" || fail "no 'stopped' in the log"
  ;;

request_limits)
  need redis-cli
  start_node n --port 0 --memcached-port 0 --max-value-size 1KiB --max-bulk-len 4KiB \
    --max-multibulk-len 8 --max-inline-len 256 --max-request-size 16KiB \
    --memcached-item-size 2KiB --memcached-max-line 128
  # A well-behaved client stays connected throughout and is served after every violation.
  exec 6<>"/dev/tcp/127.0.0.1/$RPORT"
  n6=0
  keeps_serving() {
    n6=$((n6 + 1))
    printf 'ECHO ping%d\r\n' "$n6" >&6
    local len val
    read -r -t 2 len <&6 || fail "the steady client got no reply after: $1"
    read -r -t 2 val <&6 || fail "the steady client got no reply after: $1"
    expect_eq "steady client after $1" "ping$n6" "${val%$'\r'}"
  }
  keeps_serving start
  big=$(head -c 1025 /dev/zero | tr '\0' v)
  expect_eq value_over "ERR string exceeds maximum allowed size (max-value-size)" "$(rcli SET k "$big")"
  expect_eq value_at_limit OK "$(rcli SET k "${big:1}")"
  expect_eq append_over "ERR string exceeds maximum allowed size (max-value-size)" "$(rcli APPEND k x)"
  keeps_serving value
  # Protocol limits: the error, then the connection closes (the PING after it is never run).
  expect_eq bulk "-ERR Protocol error: invalid bulk length" \
    "$(raw "$RPORT" '*2\r\n$4\r\nECHO\r\n$4097\r\nPING\r\n' | tr -d '\r')"
  keeps_serving bulk
  expect_eq multibulk "-ERR Protocol error: invalid multibulk length" \
    "$(raw "$RPORT" '*9\r\nPING\r\n' | tr -d '\r')"
  keeps_serving multibulk
  expect_eq inline "-ERR Protocol error: too big inline request" \
    "$(raw "$RPORT" "$(head -c 300 /dev/zero | tr '\0' a)" | tr -d '\r')"
  keeps_serving inline
  # 8 arguments of 4000 bytes each: every bulk is allowed, the request (32 KB) is not.
  { printf '*8\r\n$3\r\nDEL\r\n'
    for _ in 1 2 3 4 5; do printf '$4000\r\n%s\r\n' "$(head -c 4000 /dev/zero | tr '\0' r)"; done
  } >"$work/big-request"
  exec 3<>"/dev/tcp/127.0.0.1/$RPORT"
  cat "$work/big-request" >&3
  got=$(timeout 2 cat <&3 | tr -d '\r' || true)
  exec 3>&-
  expect_eq request_size "-ERR Protocol error: request larger than the query buffer limit" "$got"
  keeps_serving request_size
  expect_eq config $'proto-max-bulk-len\n4096' "$(rcli CONFIG GET proto-max-bulk-len)"
  # memcached: the item limit is the smaller of memcached-item-size and max-value-size.
  expect_eq mc_item_ok $'STORED' "$(raw "$MPORT" "set a 0 0 1024\r\n${big:1}\r\nquit\r\n" | tr -d '\r')"
  expect_eq mc_item_over $'SERVER_ERROR object too large for cache\nEND' \
    "$(raw "$MPORT" "set b 0 0 1025\r\n${big}\r\nget b\r\nquit\r\n" | tr -d '\r')"
  raw "$MPORT" 'stats settings\r\nquit\r\n' | tr -d '\r' | grep -q '^STAT item_size_max 1024$' ||
    fail "item_size_max not 1024"
  expect_eq mc_line "CLIENT_ERROR line too long" \
    "$(raw "$MPORT" "set $(head -c 130 /dev/zero | tr '\0' k) 0 0 1\r\nx\r\nversion\r\n" | tr -d '\r')"
  expect_eq mc_multiget $'END' "$(raw "$MPORT" "get $(seq -s ' ' 1000 1100)\r\nquit\r\n" | tr -d '\r')"
  keeps_serving memcached
  expect_eq protocol_errors 5 "$(info_field cachescope_protocol_errors)"
  exec 6>&-
  # Out-of-range limits are flag errors naming the flag (exit 2).
  set +e
  msg=$("$bin" node --port 0 --max-multibulk-len 1 2>&1)
  code=$?
  set -e
  expect_eq bad_limit_code 2 "$code"
  grep -q -- "--max-multibulk-len: must be within 2.." <<<"$msg" || fail "bad limit message: $msg"
  ;;

loadgen)
  need redis-cli
  start_node n --port 0 --memcached-port 0 --maxmemory 2MiB
  gen='zipf:alpha=0.9,objects=20000,requests=30000,seed=5'
  "$bin" loadgen "redis://127.0.0.1:$RPORT" --generate "$gen" -c 3 -P 4 --value-size 100 \
    --json "$work/redis.json" >"$work/lg.log" 2>&1 || fail "loadgen: $(cat "$work/lg.log")"
  field() { sed -n "s/^  \"$2\": \([0-9.]*\),*$/\1/p" "$1"; }
  expect_eq requests 30000 "$(field "$work/redis.json" requests)"
  hits=$(field "$work/redis.json" hits)
  misses=$(field "$work/redis.json" misses)
  expect_eq reads 30000 "$((hits + misses))"
  expect_eq "fills = misses" "$misses" "$(field "$work/redis.json" writes)"
  # The node saw exactly the reads the load generator counted.
  expect_eq "hits vs INFO" "$hits" "$(info_field keyspace_hits)"
  expect_eq "misses vs INFO" "$misses" "$(info_field keyspace_misses)"
  [ "$hits" -gt 0 ] || fail "no hits"
  grep -q '"p99_ms"' "$work/redis.json" || fail "no latency percentiles"
  # memcached protocol, same store: the keys written over Redis are hits now.
  "$bin" loadgen "memcached://127.0.0.1:$MPORT" --generate "$gen" -n 5000 --json "$work/mc.json" \
    >"$work/lg2.log" 2>&1 || fail "loadgen memcached: $(cat "$work/lg2.log")"
  expect_eq mc_requests 5000 "$(field "$work/mc.json" requests)"
  [ "$(field "$work/mc.json" hits)" -gt 0 ] || fail "memcached loadgen: no hits"
  # A target nobody listens on is an error naming it (exit 1).
  set +e
  msg=$("$bin" loadgen 127.0.0.1:1 --generate "$gen" 2>&1)
  code=$?
  set -e
  expect_eq unreachable_code 1 "$code"
  grep -q 'cannot connect to 127.0.0.1:1' <<<"$msg" || fail "unreachable message: $msg"
  # --cluster against a node that is not a cluster member: its CLUSTER SLOTS error, named.
  set +e
  msg=$("$bin" loadgen "127.0.0.1:$RPORT" --cluster --generate "$gen" 2>&1)
  code=$?
  set -e
  expect_eq not_cluster_code 1 "$code"
  grep -q "CLUSTER SLOTS from 127.0.0.1:$RPORT: ERR unknown command 'CLUSTER'" <<<"$msg" ||
    fail "not-a-cluster message: $msg"
  ;;

*)
  fail "unknown case $case_name"
  ;;
esac
echo "PASS: $case_name"
