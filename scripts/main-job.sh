#!/usr/bin/env bash
# The main job on the bundled default: the default scenario (three Redis-Cluster-style primaries
# with one replica each; a primary crashes at 8 s) simulated and summarised.
set -euo pipefail
cd "$(dirname "$0")/.."
cachescope="${1:-build/release/cli/cachescope}"
exec "$cachescope" sim scenarios/slots-failover.yaml
