// The heartbeat-mesh workload (docs/performance.md "Heartbeat-mesh benchmark"), on two event loops:
// poolsim's EventQueue (one kernel event per send, check and delivery; no batching) and a minimal baseline
// written for the comparison (std::priority_queue of plain event structs, dispatch by switch).
// Both must produce exactly the reference counts; only their speed differs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "poolsim/kernel/time.hpp"

namespace poolsim::bench {

struct MeshParameters {
  std::uint32_t hosts = 64;
  Duration until = Duration::seconds(3600);       // only events with time < until run
  Duration period = Duration::seconds(1);
  Duration latency = Duration::microseconds(200);
  Duration detection_timeout = Duration::seconds(30);
  // Host 0 crashes at until / 2.
};

struct MeshFigures {
  std::uint64_t events = 0;  // sends + checks + deliveries
  std::uint64_t sends = 0;
  std::uint64_t checks = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t dropped = 0;
  std::uint64_t missing_observations = 0;
  std::optional<SimTime> detection_min;  // over hosts 1..N-1, of the first check that finds host 0 missing
  std::optional<SimTime> detection_max;

  bool operator==(const MeshFigures&) const = default;
};

// Runs the workload on poolsim's kernel.
MeshFigures run_mesh_on_kernel(const MeshParameters& parameters);
// Runs the workload on the minimal std::priority_queue baseline.
MeshFigures run_mesh_on_baseline(const MeshParameters& parameters);

// The reference counts of docs/performance.md "Heartbeat-mesh benchmark", for the parameters it lists (N = 16 or 64,
// T = 3600 s, the default period, latency and timeout); none for other parameters.
std::optional<MeshFigures> reference_figures(const MeshParameters& parameters);

}  // namespace poolsim::bench
