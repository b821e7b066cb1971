#!/usr/bin/env bash
# Runs every libFuzzer target one after another (never in parallel: they would share the cores),
# each for SECONDS (default 180), starting from its checked-in corpus. New coverage goes to
# build/fuzz/fuzz-work/<target>/ (the checked-in corpus is not touched); crashes, leaks and
# timeouts to build/fuzz/fuzz-work/artifacts/. Needs the fuzz preset:
#   cmake --preset fuzz && cmake --build --preset fuzz
#   fuzz/run-all.sh 300            # or: fuzz/run-all.sh 60 trace_csv scenario
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
shift || true
bin=build/fuzz/fuzz
work=build/fuzz/fuzz-work
mkdir -p "$work/artifacts"
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(ls fuzz/corpus)
fi
status=0
for t in "${targets[@]}"; do
  if [ ! -x "$bin/${t}_fuzz" ]; then
    echo "missing $bin/${t}_fuzz (build the fuzz preset)" >&2
    exit 2
  fi
  mkdir -p "$work/$t"
  echo "== $t (${seconds}s)"
  if ! "$bin/${t}_fuzz" "$work/$t" "fuzz/corpus/$t" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/$t-" -print_final_stats=1 \
      >"$work/$t.log" 2>&1; then
    echo "   FAILED: see $work/$t.log and $work/artifacts/" >&2
    status=1
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$work/$t.log" | sed 's/^/   /'
done
exit $status
