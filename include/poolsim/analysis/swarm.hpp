// Swarm testing (FoundationDB's and TigerBeetle's simulation runs; docs/testing.md "Swarm"): a seed generates a
// random pool and a random fault schedule, the case runs with the invariants checked throughout (the Pool throws
// InvariantViolation, docs/model.md "Safety rules"), and once every fault is healed the pool must recover within a
// bound derived from its timers (liveness).
//
// A case is a plain ScenarioSpec, so it is written, replayed and shrunk as a scenario file (emit.hpp,
// shrink.hpp). It runs through its own YAML (to_yaml, then load_scenario_text): every case the swarm runs is one
// `poolsim check` accepts, and the file written on a failure is the case that failed, byte for byte.
//
// The generated pool (generate_swarm_case): 2 to hosts_max hosts; 1 or 2 switches, with or without a stack link,
// each with or without LACP; per host one of five NIC layouts (a NIC, a bond, a management NIC or bond with
// separate storage NICs or a storage bond), bonds of every mode (lacp_* only on LACP switches); one shared SR,
// iSCSI with 1-2 portals, a random no_path_retry (fail, 10, 30, queue) and multibus grouping in 3 of 10 (a
// stream of its own), or NFS, holding the heartbeat and
// the VM disks; up to 3 VMs per host (at most 40), of at most 60 % of the pool's memory, with random restart
// priorities, orders, start delays and boot times; HA on, T 30-120 s, ntol 0-2, current or legacy intervals;
// one pool in five on the Linux bridge network backend (its LACP bonds made active_active).
//
// The fault schedule uses every scripted verb the builder simulates, each failure paired with its repair:
// - optionally first an HA-off episode: ha_disable, network, storage, partition, maintenance (the master's,
//   with new_master) and VM operations, all repaired, then ha_enable 60 s after the last repair. No host is
//   crashed, rebooted or hung while HA is off: without HA nothing elects a new master (docs/testing.md);
// - then a chaos window of 5-40 min with 1-12 groups: crash/power_on, reboot, unplug/replug of a NIC or of
//   every NIC of a host, fast flapping (2-8 unplug/replug cycles of 50 ms-3 s), switch_fail/restore,
//   lacp_fail/restore, portal_fail/restore, storage_fail/restore, partition/heal (2-3 random groups), xapi_hang, xapi_crash or
//   xapi_disable (1/2, 1/4, 1/4) then xapi_restore,
//   enter/exit_maintenance, vm_shutdown (then vm_start, or left down), vm_start, insert_cd then eject_cd, set_ntol (0 to hosts − 1,
//   refused when no plan covers it). Outages are short (under T) or long (up to 10 min) with equal odds.
// The run ends liveness_bound() after the last fault, which is also the last repair.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "poolsim/kernel/time.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::analysis {

// The analysis layer works on the scenario layer's specs throughout.
using namespace poolsim::scenario;

struct SwarmOptions {
  std::size_t hosts_max = 16;  // 2 ... 64: hosts of a generated pool are drawn from 2 ... hosts_max
};

// The case of `seed`: the same seed and options give the same spec. Its name is "swarm-<seed>", its seed `seed`.
ScenarioSpec generate_swarm_case(std::uint64_t seed, const SwarmOptions& options = {});

// How long after its last repair a healed pool must have recovered, and why (one term per line).
struct LivenessBound {
  Duration total;
  std::string derivation;
};

// The bound of a spec, from its timers (T, t = max(t1, t2), the SR's polling interval, boot times, xapi timing,
// VM start delays):
//   polling_interval                     a failed path is reinstated at the next multipath check
//   + t + t                              domains refill; a fault handler already in phase 2 decides (may fence)
//   + 2 (T/4 + T + t + 15 s + t + T)     the survivors' fault handler for that fence, run twice (a rerun): phase 1,
//                                        phase 2 without agreement and its round, the extended phase-4 sleep
//                                        (15 s is max(Wh, Ws) - min(T1, T2) at the derived timers)
//   + boot_time + t                      the fenced host boots, its daemon's domains fill
//   + join_timeout                       a join held back while the survivors' handler sleeps
//   + master_poll_interval + become_master_delay (10 s)   a slave takes the master lock
//   + sum over order groups of the largest start_delay + the longest VM boot_time   the restarts
//   + restart_retry_delay + monitor_interval            one failed start retried
//   + 60 s                               margin
LivenessBound liveness_bound(const ScenarioSpec& spec);

// Why a schedule is not healed at its end (a NIC still unplugged...), or empty when every failure it makes is
// repaired by a later fault: the precondition of the liveness check.
std::string unhealed(const ScenarioSpec& spec);

enum class SwarmFailure {
  none,
  invalid,    // the case does not load or build, is not healed, or ends before its liveness bound: a generator bug
  invariant,  // a safety rule broke (InvariantViolation) or the model threw
  liveness,   // after healing, the pool did not recover within the bound
};
std::string_view to_string(SwarmFailure failure);

struct SwarmVerdict {
  SwarmFailure failure = SwarmFailure::none;
  SimTime at;             // when it was found: the violation's time, or the end of the run for liveness
  std::string signature;  // the failure without names or times, e.g. "liveness: no master": what shrinking keeps
  std::string message;    // the failure as seen, with names and times
  bool process_died = false;  // run_swarm: the case killed its worker process twice (not to be rerun in-process)
};

// Runs `spec` (through its YAML) to its `until` and checks it:
// - invariants throughout: the Pool's InvariantViolation;
// - liveness at `until`, which must be at least liveness_bound() after the last fault: HA enabled; every host
//   up (not in maintenance); exactly one master; every host's daemon live (joined) with every host in its
//   liveset; every `restart` VM that an operator did not leave down running, unless no up host has the
//   memory free for it (what the master's placement needs, docs/model.md "HA monitor and restarts").
SwarmVerdict check_swarm_case(const ScenarioSpec& spec);

// Checks the cases of seeds first .. first + runs - 1 (generate_swarm_case, check_swarm_case) in up to `jobs`
// worker processes at once (workers.hpp run_in_order), and hands each verdict to `each` in seed order whatever
// order they end in: the same calls for any `jobs`; `each` returns false to stop. A case whose process dies (a
// crash in the model) is run again alone, and if it kills that process too its verdict is an invariant failure
// "model crashed: signal N" with process_died set.
void run_swarm(std::uint64_t first, std::uint64_t runs, const SwarmOptions& options, unsigned jobs,
               const std::function<bool(std::uint64_t seed, const SwarmVerdict& verdict)>& each);
// The same with another check of a seed in the workers (the tests' way to crash one).
using SwarmCheck = std::function<SwarmVerdict(std::uint64_t seed)>;
void run_swarm(std::uint64_t first, std::uint64_t runs, unsigned jobs, const SwarmCheck& check,
               const std::function<bool(std::uint64_t seed, const SwarmVerdict& verdict)>& each);

// The command that replays the case of `seed`.
std::string swarm_replay_command(std::uint64_t seed, const SwarmOptions& options);

}  // namespace poolsim::analysis
