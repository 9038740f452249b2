// The HA failover planner: xapi's bin-packing answer to "if r hosts fail, can every protected VM be restarted
// on the hosts that are left?" (docs/model.md "Planner"; xen-api ocaml/xapi/binpack.ml and xapi_ha_vm_failover.ml). A pure
// function of its input: no events, no I/O. The pool master's restart pass asks it where to restart VMs,
// overcommit protection asks it whether an operation would break the plan, and `poolsim size` reports its max
// host failures to tolerate. docs/sizing.md explains the method and how to read its answers.
//
// What is counted, as xapi counts it (xapi_ha_vm_failover.ml compute_restart_plan, memory_check.ml):
// - Hosts: only live ones (in the liveset and enabled). A host's free memory is its total memory minus its
//   overhead (Xen and dom0) minus the memory of every VM resident on it, protected or not, floored at 0
//   (host_compute_free_memory_with_policy, Static_max). n, the pool size the heuristic is chosen by, counts
//   every host, live or not (total_hosts).
// - VMs: a VM's memory is its whole footprint (static_max plus its overhead: total_memory_of_vm). Protected
//   means restart priority `restart` (Helpers.vm_should_always_run); best-effort and do-not-restart VMs are
//   never planned for — when running they use memory on their host like any VM, when halted they count not at
//   all, and when their host fails nothing is planned for them.
// - Protected VMs that are down (halted, or on a host that is not live) are first placed by biggest fit
//   decreasing onto the live hosts (xapi plans "the initial startup transient" before any failure); if one
//   does not fit, no plan exists.
// - Non-agile protected VMs (those that cannot start on every host: local storage or a host-local network)
//   are left out of the packing: a running one is just memory used on its host, and its presence makes the
//   best status "plan exists excluding non-agile VMs". A non-agile protected VM that is down makes the status
//   "no plan" (xapi lists it among the VMs not restarted).
//
// Ties: hosts of equal free memory are taken lowest index first, except that a host which just received a VM
// goes before the hosts it now equals (binpack.ml `insert`); VMs of equal memory are taken lowest index first.
// xapi orders by UUID instead; equal-sized VMs are interchangeable, so no plan's existence depends on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace poolsim::models {

using HostIndex = std::uint32_t;  // the same types as pool.hpp's: a host's and a VM's position in the pool
using VmIndex = std::uint32_t;

// A host as the planner sees it.
struct PlannerHost {
  std::uint64_t memory_total = 0;     // bytes (xapi host_metrics.memory_total)
  std::uint64_t memory_overhead = 0;  // bytes used by Xen and dom0, not available to VMs (host.memory_overhead)
  bool live = true;                   // in the liveset and enabled: only live hosts receive VMs
  bool operator==(const PlannerHost&) const = default;
};

// A VM as the planner sees it.
struct PlannerVm {
  std::uint64_t memory = 0;       // bytes: the whole footprint, static_max plus its overhead
  std::optional<HostIndex> host;  // resident (running, paused, or scheduled to start) there; none when halted
  // Restart priority `restart` and meant to run (xapi ha_always_run, which a user's shutdown clears); false for
  // best-effort and do-not-restart VMs, and for a protected VM its user halted.
  bool is_protected = true;
  bool agile = true;              // can start on every host (shared storage and networks only)
  bool operator==(const PlannerVm&) const = default;
};

// A pool as the planner sees it. Hosts and VMs are referred to by their position.
struct PlannerInput {
  std::vector<PlannerHost> hosts;  // every host of the pool, live or not
  std::vector<PlannerVm> vms;
  // When the pool has a cluster (corosync, for GFS2 SRs): the number of hosts with clustering disabled or no
  // cluster host. Quorum then caps the failures to tolerate (xapi_clustering.ml
  // compute_corosync_max_host_failures). None when the pool has no cluster.
  std::optional<std::size_t> clustering_disabled_hosts;
  bool operator==(const PlannerInput&) const = default;
};

// Whether a plan exists for r failures (xapi_ha_vm_failover.ml plan_status).
enum class PlanStatus : std::uint8_t {
  all_vms,              // Plan_exists_for_all_VMs
  excluding_non_agile,  // Plan_exists_excluding_non_agile_VMs: a plan exists, but non-agile protected VMs exist
  none,                 // No_plan_exists
};
std::string_view to_token(PlanStatus status);

// How plan_always_possible checks r failures (binpack.ml).
enum class Heuristic : std::uint8_t {
  exhaustive,     // bin_pack_every_combination: every ordered sequence of r live hosts failing
  approximation,  // approximate_bin_pack: one conservative worst case
};
std::string_view to_token(Heuristic heuristic);

// binpack.ml choose_heuristic: the approximation when n > 32 or C(n, r) · r! >= 3500 (overflow included),
// every combination otherwise. Depends only on the pool size n (all hosts) and r.
Heuristic choose_heuristic(std::size_t total_hosts, std::size_t failures);

struct VmPlacement {
  VmIndex vm = 0;
  HostIndex host = 0;
  bool operator==(const VmPlacement&) const = default;
};
// VMs to start and where, in the order they were packed: biggest first.
using Placement = std::vector<VmPlacement>;

// Where the down protected VMs would restart: the agile ones that fit, and those that did not.
struct RestartPlan {
  Placement placement;
  std::vector<VmIndex> unplaced;  // agile protected VMs that are down and fit nowhere, lowest index first
  bool complete() const { return unplaced.empty(); }
};

// A VM of the input moving to another host.
struct VmMove {
  VmIndex vm = 0;
  HostIndex to = 0;  // the VM's new host
};
// A PlanChange is an operation to check before carrying it out (xapi configuration_change): the planner answers
// for the pool as it would be afterwards. Several may be combined.
struct PlanChange {
  // VMs the input does not have yet. A protected one without a host is placed by the planner: xapi checks the
  // start of a halted protected VM this way (assert_new_vm_preserves_ha_plan), whichever host it starts on.
  // An unprotected one on a host only uses memory there (assert_vm_placement_preserves_ha_plan, arriving).
  std::vector<PlannerVm> new_vms;
  std::vector<VmMove> moves;                // VMs of the input changing host: migrate, resume or start there
  std::vector<HostIndex> hosts_to_disable;  // host disable, shutdown, reboot
  std::optional<std::size_t> failures;      // plan for this many failures instead (raising ntol)

  static PlanChange protect_vm(std::uint64_t memory, std::optional<HostIndex> host = std::nullopt);
  static PlanChange start_unprotected_vm(std::uint64_t memory, HostIndex host);
  static PlanChange move_vm(VmIndex vm, HostIndex to);
  static PlanChange disable_host(HostIndex host);
  static PlanChange set_failures(std::size_t failures);
  // Whether the change leaves the input as it is (only `failures`, or nothing).
  bool keeps_input() const { return new_vms.empty() && moves.empty() && hosts_to_disable.empty(); }
};

// The input with the change's VMs, moves and disabled hosts applied (its `failures` aside): what plan_status
// with the change plans over.
PlannerInput apply_change(PlannerInput input, const PlanChange& change);

// A Planner is xapi's failover planner over one snapshot of a pool. Every query is computed afresh from the
// input; a Planner is cheap to build and safe to share between threads.
// Precondition (checked, std::invalid_argument): every host and VM index, in the input, a change or a set of
// failed hosts, is in range.
class Planner {
 public:
  explicit Planner(PlannerInput input);

  const PlannerInput& input() const { return input_; }

  // Where the protected agile VMs that are down would restart if the hosts in `failed` failed now (all at
  // once): biggest fit decreasing onto the live hosts left, as xapi's get_specific_plan. VMs that fit nowhere
  // are left out (`unplaced`); non-agile VMs are never placed.
  RestartPlan restart_plan(const std::vector<HostIndex>& failed = {}) const;

  // restart_plan(failed) when it places every agile VM that is down; none otherwise.
  std::optional<Placement> plan_for_failures(const std::vector<HostIndex>& failed) const;

  // Whether every sequence of `failures` host failures leaves a placement (plan_for_n_failures), after `change`
  // (whose `failures`, when set, replaces the argument). More failures than hosts: none.
  PlanStatus plan_status(std::size_t failures, const PlanChange& change = {}) const;

  // plan_status(failures) != none, with the heuristic choose_heuristic picks or with the one given.
  bool plan_always_possible(std::size_t failures) const;
  bool plan_always_possible(std::size_t failures, Heuristic heuristic) const;

  // The largest r for which plan_status(r) is all_vms, found by xapi's bisection (Helpers.bisect over
  // [0, cap], which assumes a plan for r implies one for fewer and never tests 0). The cap is n - 1; with a
  // cluster, also corosync's quorum (n - d - 1) / 2 + d for d hosts with clustering disabled. xapi itself caps
  // at n without a cluster, so it answers n for a pool with no protected VM (3 for three empty hosts, where
  // this answers 2); with a protected VM on a live host both answer at most the live hosts - 1.
  std::size_t max_host_failures_to_tolerate() const;

  // Overcommit protection (assert_configuration_change_preserves_ha_plan): true when a plan for all VMs
  // exists for `ntol` failures now but would not after `change`, so the operation is refused with
  // HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN. A pool that is already overcommitted (no plan for all VMs now)
  // never refuses. Pass the pool's ha_plan_exists_for as `ntol`; the caller skips the check when the pool
  // allows overcommit, and for an ntol change when ha_plan_exists_for is 0 (xapi_pool.ml
  // set_ha_host_failures_to_tolerate).
  bool would_break_plan(std::size_t ntol, const PlanChange& change) const;

 private:
  PlannerInput input_;
};

}  // namespace poolsim::models
