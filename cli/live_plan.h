// Turning a simulator scenario into a live run (`cachescope live`, cli/live_cmd.cpp): the cluster
// file for `cachescope node --cluster`, the load generator's settings for the scenario's
// workload, the crash faults to apply as SIGKILL (and restarts), and what a live run on loopback
// cannot reproduce, each with the reason, so the run reports it as skipped instead of silently
// differing from the simulation.
//
// Mapping (scenarios/README.md has the scenario fields; node/cluster_config.h the cluster file):
//  - cluster: `placement: slots` only (the live cluster is Redis-Cluster-style). The scenario's
//    first N/(R+1) nodes are the primaries and the k-th primary's replicas are the nodes the
//    core's build_shard_map gives it, so shard k has the same members in both runs. Replication
//    sync or async, heartbeat interval, failure timeout, rank delay and backlog carry over.
//  - capacity: the simulator charges an object its size; the live store also charges the key and
//    a per-entry overhead (node/store.h). Each node's maxmemory is sized to hold the same number
//    of mean-sized objects: capacity / mean_size * (mean_size + mean_key + overhead).
//  - workload: the same generator or trace and seed; open loop = Poisson arrivals at `rate` over
//    `clients` connections (each with a deep pipeline, so the open loop stays open); closed loop
//    = `clients` connections with one request each; cache-aside reads, `write_ratio` writes that
//    invalidate (DEL) or update (SET) as `cache_aside_write` says; warm-up, window and timeout
//    as in the scenario. There is no origin: a miss is filled at once.
//  - faults: `crash` (with `restart_after`: the node restarts with --rejoin) is applied; other
//    kinds need a network or a service model the loopback does not have and are skipped.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "node/loadgen.h"
#include "sim/simulator.h"

namespace cachescope::cli {

struct LivePorts {
  int redis = 0, peer = 0, metrics = 0;
};

struct LiveMember {
  std::string name;
  LivePorts ports;
  bool primary = true;
  std::string replica_of;  // replicas: their primary's name
};

struct LiveCrash {
  std::size_t fault = 0;  // index in the scenario's faults
  std::string node;
  SimTime at = 0;
  SimTime restart_after = -1;  // -1: stays down
};

struct LivePlan {
  std::vector<LiveMember> members;   // in the scenario's node order
  std::uint64_t maxmemory = 0;       // per node, bytes
  std::string cluster_yaml;          // the cluster file
  node::LoadgenConfig loadgen;       // aimed at the first primary, routed by slot
  std::vector<LiveCrash> crashes;    // in the scenario's fault order
  std::vector<std::string> skipped;  // what the live run does not reproduce, and why
};

// What the workload's objects look like, for sizing maxmemory (the caller samples the source).
struct LiveObjectShape {
  double mean_size = 100;
  double mean_key = 9;
};

// `ports` has one entry per scenario node, in order. Errors name the scenario field that a live
// run cannot honour (e.g. `cluster.placement`), with the reason.
Expected<LivePlan> plan_live_run(const SimConfig& config, const std::vector<LivePorts>& ports,
                                 const LiveObjectShape& shape);

}  // namespace cachescope::cli
