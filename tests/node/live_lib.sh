# Shared by the live-node test scripts (sourced, not run): a scratch directory removed on exit,
# every process in `pids` killed and reaped on exit (the caller declares `pids`, as an indexed or
# associative array, before sourcing), and the helpers fail, need, free_port and expect_eq.
work=$(mktemp -d)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
  exit 1
}
need() {
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "SKIPPED: $t not installed (scripts/install-deps.sh installs it)"; exit 0; }
  done
}
# A port nobody listens on (and not handed out before), from a range the kernel does not give
# to outgoing connections. Sets FREE (not a subshell, so `taken` remembers what was handed out).
declare -A taken=()
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
    [ -n "${taken[$p]:-}" ] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken[$p]=1
      FREE=$p
      return 0
    fi
  done
  fail "no free port found"
}
expect_eq() {  # expect_eq WHAT EXPECTED ACTUAL
  [ "$2" == "$3" ] || fail "$1: expected '$2', got '$3'"
}
