#!/usr/bin/env bash
# Quick start: install what is missing, build the release preset, run the main job on a bundled
# default workload.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
exec scripts/main-job.sh build/release/cli/cachescope
