#!/usr/bin/env bash
# expect.sh CODE REGEX COMMAND...: runs COMMAND, passes when it exits with CODE and its combined
# stdout+stderr matches the extended regex REGEX. Runs in a fresh temporary directory.
set -u
want_code="$1"; regex="$2"; shift 2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 99
out=$("$@" 2>&1)
code=$?
if [ "$code" != "$want_code" ]; then
  printf 'expected exit %s, got %s from: %s\n--- output ---\n%s\n' "$want_code" "$code" "$*" "$out"
  exit 1
fi
if ! printf '%s' "$out" | grep -Eq -- "$regex"; then
  printf 'output of %s does not match /%s/\n--- output ---\n%s\n' "$*" "$regex" "$out"
  exit 1
fi
exit 0
