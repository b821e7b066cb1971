#!/usr/bin/env bash
# Side-by-side speed and memory of `cachescope node` against Debian's redis-server and memcached
# (issue 5, section 6). Everything runs on loopback ports; servers are started and stopped here.
#
# Usage: bench/node_compare.sh [PATH/TO/cachescope] [--quick] [--only redis|cpu|memcached|memory]
#   default binary: build/release/cli/cachescope
#   --quick: smaller request counts (a smoke run; the numbers are noisier)
#
# Measures, each pair run alternately (node, redis, node, redis, ...) so machine drift hits both:
#  1. redis-benchmark -t set,get -c 50 -d 100 -P 16 -n 2000000: requests/s and p99 (ms);
#  2. redis-benchmark -t set,get -c 50 -d 100 -P 1: server CPU (user+sys from /proc/PID/stat) per
#     request, since at -P 1 redis-benchmark itself saturates a core;
#  3. memcached text protocol: `cachescope loadgen memcached://` (same generator for both) with
#     50% set / 50% get of 100-byte values, 50 connections, pipeline 16: requests/s and server
#     CPU per request;
#  4. resident memory (VmRSS) for 1M keys with 100-byte values, loaded with redis-cli --pipe.
# Servers: no persistence for redis (--save '' --appendonly no), the same maxmemory (2 GiB,
# far above what the runs store, so nothing is evicted), memcached with -m 2048 and its default
# 4 worker threads.
# Prints "SKIPPED: ..." and exits 0 when redis-server/redis-benchmark (or memcached) are absent.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/release/cli/cachescope
quick=0
only=all
while [ $# -gt 0 ]; do
  case $1 in
  --quick) quick=1 ;;
  --only) only=$2; shift ;;
  *) bin=$1 ;;
  esac
  shift
done
[ -x "$bin" ] || { echo "no cachescope binary at $bin (build it, or pass its path)" >&2; exit 1; }
for t in redis-server redis-benchmark redis-cli; do
  command -v "$t" >/dev/null || { echo "SKIPPED: $t not installed (apt-get install redis-server)"; exit 0; }
done
have_memcached=1
command -v memcached >/dev/null || have_memcached=0

rounds=3
n_p16=2000000
n_p1=200000
mc_n=2000000
keys=1000000
if [ "$quick" = 1 ]; then
  rounds=1; n_p16=400000; n_p1=40000; mc_n=400000; keys=200000
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

wait_port() {  # wait_port PORT PID
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "server on port $1 exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  exit 1
}

# start_server KIND PORT: sets SPID. KIND is node, node-mc, redis or memcached.
start_server() {
  case $1 in
  node) "$bin" node --port "$2" --maxmemory 2GiB --log-level warn >/dev/null 2>"$work/node.log" & ;;
  node-mc) "$bin" node --memcached-port "$2" --maxmemory 2GiB --log-level warn >/dev/null 2>"$work/node.log" & ;;
  redis) redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no --maxmemory 2gb \
           --maxmemory-policy allkeys-lru --daemonize no --logfile "$work/redis.log" & ;;
  memcached) memcached -l 127.0.0.1 -p "$2" -U 0 -m 2048 $([ "$(id -u)" = 0 ] && echo -u root) >/dev/null 2>&1 & ;;
  esac
  SPID=$!
  pids+=("$SPID")
  wait_port "$2" "$SPID"
}

stop_server() {
  kill "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# redis-benchmark --csv rows: "SET","rps","avg","min","p50","p95","p99","max"
p16_run() {  # p16_run KIND ROUND
  local port
  port=$(free_port)
  start_server "$1" "$port"
  redis-benchmark -p "$port" -t set,get -c 50 -d 100 -P 16 -n "$n_p16" --csv 2>/dev/null |
    tr -d '"' | awk -F, -v k="$1" '$1 == "SET" || $1 == "GET" { print k, $1, $2, $7 }' \
    >>"$work/p16.txt"
  stop_server
}

p1_run() {  # p1_run KIND
  local port t0 t1
  port=$(free_port)
  start_server "$1" "$port"
  redis-benchmark -p "$port" -t set -c 50 -d 100 -n 2000 -q >/dev/null 2>&1  # connections warm
  t0=$(cpu_ticks "$SPID")
  redis-benchmark -p "$port" -t set,get -c 50 -d 100 -P 1 -n "$n_p1" --csv 2>/dev/null |
    tr -d '"' | awk -F, -v k="$1" '$1 == "SET" || $1 == "GET" { print k, $1, $2, $7 }' \
    >>"$work/p1.txt"
  t1=$(cpu_ticks "$SPID")
  awk -v k="$1" -v d=$((t1 - t0)) -v hz="$hz" -v n=$((2 * n_p1)) \
    'BEGIN { printf "%s %.3f\n", k, d / hz / n * 1e6 }' >>"$work/p1cpu.txt"
  stop_server
}

mc_run() {  # mc_run KIND (node-mc or memcached)
  local port t0 t1
  port=$(free_port)
  start_server "$1" "$port"
  t0=$(cpu_ticks "$SPID")
  "$bin" loadgen "memcached://127.0.0.1:$port" "$work/mc-trace.csv" --mode ops -c 50 -P 16 \
    --value-size 100 -n "$mc_n" --json "$work/mc.json" >/dev/null 2>"$work/loadgen.log" ||
    { echo "loadgen failed: $(cat "$work/loadgen.log")" >&2; exit 1; }
  t1=$(cpu_ticks "$SPID")
  local rps p99 done
  done=$(sed -n 's/^  "requests": \([0-9]*\),*$/\1/p' "$work/mc.json")
  [ "$done" = "$mc_n" ] || { echo "loadgen completed $done requests, expected $mc_n" >&2; exit 1; }
  rps=$(sed -n 's/^  "throughput_rps": \([0-9.e+]*\),*$/\1/p' "$work/mc.json")
  p99=$(awk '/"all"/ { a = 1 } a && /"p99_ms"/ { gsub(/[",]/, ""); print $2; exit }' "$work/mc.json")
  awk -v k="$1" -v r="$rps" -v p="$p99" -v d=$((t1 - t0)) -v hz="$hz" -v n="$mc_n" \
    'BEGIN { printf "%s %s %s %.3f\n", k, r, p, d / hz / n * 1e6 }' >>"$work/mc.txt"
  stop_server
}

mem_run() {  # mem_run KIND
  local port base rss
  port=$(free_port)
  start_server "$1" "$port"
  sleep 0.3
  base=$(rss_kib "$SPID")
  redis-cli -p "$port" --pipe <"$work/load.resp" >"$work/pipe.log" 2>&1 ||
    { echo "loading failed: $(cat "$work/pipe.log")" >&2; exit 1; }
  local dbsize
  dbsize=$(redis-cli -p "$port" DBSIZE)
  [ "$dbsize" = "$keys" ] || { echo "$1 holds $dbsize keys, expected $keys" >&2; exit 1; }
  sleep 0.5
  rss=$(rss_kib "$SPID")
  awk -v k="$1" -v b="$base" -v r="$rss" -v n="$keys" \
    'BEGIN { printf "%s %.1f %.1f %.1f\n", k, r / 1024, r * 1024 / n, (r - b) * 1024 / n }' \
    >>"$work/mem.txt"
  stop_server
}


echo "machine: $(nproc) cores, $(uname -r); redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" \
  "$( [ $have_memcached = 1 ] && memcached -V)"
echo "binary: $bin"

if [ "$only" = all ] || [ "$only" = redis ]; then
  for r in $(seq "$rounds"); do p16_run node "$r"; p16_run redis "$r"; done
  echo
  echo "## redis-benchmark -t set,get -c 50 -d 100 -P 16 -n $n_p16 (median of $rounds runs)"
  printf '%-10s %-4s %12s %9s\n' server op 'req/s' 'p99 ms'
  for k in node redis; do
    for op in SET GET; do
      rps=$(awk -v k=$k -v o=$op '$1 == k && $2 == o { print $3 }' "$work/p16.txt" | median)
      p99=$(awk -v k=$k -v o=$op '$1 == k && $2 == o { print $4 }' "$work/p16.txt" | median)
      printf '%-10s %-4s %12.0f %9.3f\n' "$k" "$op" "$rps" "$p99"
    done
  done
fi

if [ "$only" = all ] || [ "$only" = cpu ]; then
  for r in $(seq "$rounds"); do p1_run node; p1_run redis; done
  echo
  echo "## redis-benchmark -t set,get -c 50 -d 100 -P 1 -n $n_p1: server CPU per request (median of $rounds)"
  printf '%-10s %16s %12s %12s\n' server 'CPU us/request' 'SET req/s' 'GET req/s'
  for k in node redis; do
    cpu=$(awk -v k=$k '$1 == k { print $2 }' "$work/p1cpu.txt" | median)
    s=$(awk -v k=$k '$1 == k && $2 == "SET" { print $3 }' "$work/p1.txt" | median)
    g=$(awk -v k=$k '$1 == k && $2 == "GET" { print $3 }' "$work/p1.txt" | median)
    printf '%-10s %16.3f %12.0f %12.0f\n' "$k" "$cpu" "$s" "$g"
  done
fi

if { [ "$only" = all ] || [ "$only" = memcached ]; } ; then
  if [ "$have_memcached" = 0 ]; then
    echo "SKIPPED: memcached not installed (apt-get install memcached)"
  else
    # 50% set, 50% get over 100k keys (time,id,size,op); one line per request (the load
    # generator stops at the end of a trace).
    awk -v n="$mc_n" 'BEGIN { srand(7); print "time,id,size,op";
                 for (i = 0; i < n; i++) printf "%d,%d,100,%s\n", i, int(rand() * 100000), (i % 2 ? "get" : "set") }' \
      >"$work/mc-trace.csv"
    for r in $(seq "$rounds"); do mc_run node-mc; mc_run memcached; done
    echo
    echo "## memcached protocol: cachescope loadgen --mode ops -c 50 -P 16 -n $mc_n, 50% set / 50% get, 100-byte values (median of $rounds)"
    printf '%-10s %12s %9s %16s\n' server 'req/s' 'p99 ms' 'CPU us/request'
    for k in node-mc memcached; do
      rps=$(awk -v k=$k '$1 == k { print $2 }' "$work/mc.txt" | median)
      p99=$(awk -v k=$k '$1 == k { print $3 }' "$work/mc.txt" | median)
      cpu=$(awk -v k=$k '$1 == k { print $4 }' "$work/mc.txt" | median)
      printf '%-10s %12.0f %9.3f %16.3f\n' "$k" "$rps" "$p99" "$cpu"
    done
  fi
fi

if [ "$only" = all ] || [ "$only" = memory ]; then
  val=$(head -c 100 /dev/zero | tr '\0' v)
  awk -v n="$keys" -v v="$val" 'BEGIN { for (i = 0; i < n; i++) {
      k = sprintf("key:%012d", i); printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%s\r\n", length(k), k, v } }' \
    >"$work/load.resp"
  mem_run node
  mem_run redis
  echo
  echo "## memory: $keys keys (16-byte keys, 100-byte values), loaded with redis-cli --pipe"
  printf '%-10s %10s %14s %22s\n' server 'RSS MiB' 'RSS B/key' 'B/key above empty'
  awk '{ printf "%-10s %10.1f %14.1f %22.1f\n", $1, $2, $3, $4 }' "$work/mem.txt"
fi
