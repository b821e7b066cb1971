#!/usr/bin/env bash
# The main job on the bundled default: a generated Zipf workload (1M requests over 100k objects,
# log-normal sizes) replayed through LRU, LFU and ARC at 1%, 5% and 10% of the working set.
set -euo pipefail
cachescope="${1:-build/release/cli/cachescope}"
exec "$cachescope" replay \
  --generate "zipf:alpha=0.9,objects=100000,requests=1000000,sizes=lognormal:8:1.5,min-size=16,max-size=4MiB,seed=42" \
  --policies lru,lfu,arc --sizes 1%,5%,10% --unit objects
