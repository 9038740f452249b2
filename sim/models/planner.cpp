// xapi's failover planner (xen-api ocaml/xapi/binpack.ml, xapi_ha_vm_failover.ml): planner.hpp.
#include "poolsim/models/planner.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

namespace poolsim::models {

std::string_view to_token(PlanStatus status) {
  switch (status) {
    case PlanStatus::all_vms: return "all_vms";
    case PlanStatus::excluding_non_agile: return "excluding_non_agile";
    case PlanStatus::none: return "none";
  }
  return "unknown";
}

std::string_view to_token(Heuristic heuristic) {
  switch (heuristic) {
    case Heuristic::exhaustive: return "exhaustive";
    case Heuristic::approximation: return "approximation";
  }
  return "unknown";
}

// binpack.ml choose_heuristic: `n > 32`, then `binomial n r ** factorial r < 3500L` with Int64 overflow counted
// as too many. C(n, r) · r! is the number of ordered failure sequences n · (n - 1) · ... · (n - r + 1); with
// n <= 32 the running product stays far below overflow until it passes 3500, where the loop stops. (Replaying
// xapi's Int64 arithmetic, overflow checks included, gives the same choice for every r <= n <= 32.)
Heuristic choose_heuristic(std::size_t total_hosts, std::size_t failures) {
  constexpr std::size_t max_exhaustive_hosts = 32;     // binpack.ml choose_heuristic: n > 32
  constexpr std::size_t max_exhaustive_sequences = 3500;  // binpack.ml choose_heuristic: < 3500L
  if (total_hosts > max_exhaustive_hosts) return Heuristic::approximation;
  if (failures > total_hosts) return Heuristic::exhaustive;  // no sequence at all
  std::size_t sequences = 1;
  for (std::size_t k = 0; k < failures; ++k) {
    sequences *= total_hosts - k;
    if (sequences >= max_exhaustive_sequences) return Heuristic::approximation;
  }
  return Heuristic::exhaustive;
}

PlanChange PlanChange::protect_vm(std::uint64_t memory, std::optional<HostIndex> host) {
  PlanChange change;
  change.new_vms.push_back({memory, host, true, true});
  return change;
}

PlanChange PlanChange::start_unprotected_vm(std::uint64_t memory, HostIndex host) {
  PlanChange change;
  change.new_vms.push_back({memory, host, false, true});
  return change;
}

PlanChange PlanChange::move_vm(VmIndex vm, HostIndex to) {
  PlanChange change;
  change.moves.push_back({vm, to});
  return change;
}

PlanChange PlanChange::disable_host(HostIndex host) {
  PlanChange change;
  change.hosts_to_disable.push_back(host);
  return change;
}

PlanChange PlanChange::set_failures(std::size_t failures) {
  PlanChange change;
  change.failures = failures;
  return change;
}

namespace {

struct Bin {
  HostIndex host = 0;
  std::uint64_t free = 0;
};

struct Item {
  VmIndex vm = 0;
  std::uint64_t memory = 0;
};

// An agile protected VM running on a live host.
struct Resident {
  VmIndex vm = 0;
  HostIndex host = 0;
  std::uint64_t memory = 0;
};

// binpack.ml `configuration` after the down VMs were placed: the live hosts with their free memory, in index
// order, and where every agile protected VM runs, in VM index order. n is input.hosts.size().
struct Configuration {
  std::vector<Bin> hosts;
  std::vector<Resident> placement;
};

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

// binpack.ml biggest_fit_decreasing: the biggest item first, each into the bin with the most free memory; an
// item that does not fit there is left out (and smaller ones are still tried). Takes the free memory of the bins
// it fills. Both sorts are stable (OCaml's List.sort is); a bin that received an item goes back before the first
// bin with no more free memory than it has left (binpack.ml `insert`).
Placement biggest_fit_decreasing(std::vector<Item> items, std::vector<Bin>& bins) {
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.memory > b.memory; });
  std::vector<std::size_t> order(bins.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&bins](std::size_t a, std::size_t b) { return bins[a].free > bins[b].free; });
  Placement placed;
  for (const Item& item : items) {
    if (order.empty()) break;
    const std::size_t top = order.front();
    if (bins[top].free < item.memory) continue;
    bins[top].free -= item.memory;
    placed.push_back({item.vm, bins[top].host});
    order.erase(order.begin());
    const auto at = std::find_if(order.begin(), order.end(),
                                 [&bins, top](std::size_t other) { return bins[other].free <= bins[top].free; });
    order.insert(at, top);
  }
  return placed;
}

// The state of the pool the planner works on, built from an input (xapi_ha_vm_failover.ml compute_restart_plan).
struct Prepared {
  Configuration config;
  RestartPlan restart;             // the agile protected VMs that were down
  bool non_agile_exist = false;    // some protected VM is not agile
  bool non_agile_down = false;     // ... and one of those is not running on a live host
};

Prepared prepare(const PlannerInput& input) {
  const std::size_t n = input.hosts.size();
  std::vector<std::uint64_t> used(n, 0);
  for (const PlannerVm& vm : input.vms) {
    if (vm.host && input.hosts[*vm.host].live) used[*vm.host] = saturating_add(used[*vm.host], vm.memory);
  }
  Prepared prepared;
  std::vector<Bin>& bins = prepared.config.hosts;
  for (std::size_t h = 0; h < n; ++h) {
    const PlannerHost& host = input.hosts[h];
    if (!host.live) continue;
    // memory_check.ml host_compute_free_memory_with_policy: max 0 (total - overhead - resident VMs).
    const std::uint64_t taken = saturating_add(host.memory_overhead, used[h]);
    bins.push_back({static_cast<HostIndex>(h), host.memory_total > taken ? host.memory_total - taken : 0});
  }
  std::vector<Item> down;
  for (std::size_t i = 0; i < input.vms.size(); ++i) {
    const PlannerVm& vm = input.vms[i];
    if (!vm.is_protected) continue;
    const bool running = vm.host && input.hosts[*vm.host].live;
    const auto index = static_cast<VmIndex>(i);
    if (!vm.agile) {
      prepared.non_agile_exist = true;
      prepared.non_agile_down = prepared.non_agile_down || !running;
    } else if (running) {
      prepared.config.placement.push_back({index, *vm.host, vm.memory});
    } else {
      down.push_back({index, vm.memory});
    }
  }
  if (down.empty()) return prepared;  // the placement is already in VM index order
  prepared.restart.placement = biggest_fit_decreasing(down, bins);
  // Where each down VM went, by VM index; then the placement merged back into VM index order.
  std::vector<std::optional<HostIndex>> placed_on(input.vms.size());
  for (const VmPlacement& p : prepared.restart.placement) placed_on[p.vm] = p.host;
  std::vector<Resident> running = std::move(prepared.config.placement);
  std::vector<Resident>& placement = prepared.config.placement;
  placement.clear();
  placement.reserve(running.size() + down.size());
  auto next_running = running.begin();
  for (const Item& item : down) {  // in VM index order, as are the running ones
    if (!placed_on[item.vm]) {
      prepared.restart.unplaced.push_back(item.vm);
      continue;
    }
    while (next_running != running.end() && next_running->vm < item.vm) placement.push_back(*next_running++);
    placement.push_back({item.vm, *placed_on[item.vm], item.memory});
  }
  placement.insert(placement.end(), next_running, running.end());
  return prepared;
}

// binpack.ml plan_trivially_never_possible: fewer live hosts than failures, or exactly as many and a VM to save.
bool trivially_never_possible(const Configuration& config, std::size_t failures) {
  return config.hosts.size() < failures || (config.hosts.size() == failures && !config.placement.empty());
}

// Whether the VMs of `dead` fit onto the other live hosts: simulate_failure(config, dead) is not none, without
// building the configuration that follows (the last failure of a sequence needs only this answer).
bool failure_fits(const Configuration& config, HostIndex dead) {
  std::vector<Bin> others;
  others.reserve(config.hosts.size());
  for (const Bin& bin : config.hosts) {
    if (bin.host != dead) others.push_back(bin);
  }
  std::vector<Item> failed;
  for (const Resident& vm : config.placement) {
    if (vm.host == dead) failed.push_back({vm.vm, vm.memory});
  }
  const std::size_t count = failed.size();
  return biggest_fit_decreasing(std::move(failed), others).size() == count;
}

// binpack.ml simulate_failure: `dead` fails, its VMs are packed onto the other live hosts. None when one of them
// does not fit.
std::optional<Configuration> simulate_failure(const Configuration& config, HostIndex dead) {
  Configuration next;
  next.placement = config.placement;
  for (const Bin& bin : config.hosts) {
    if (bin.host != dead) next.hosts.push_back(bin);
  }
  std::vector<Item> failed;
  for (const Resident& vm : config.placement) {
    if (vm.host == dead) failed.push_back({vm.vm, vm.memory});
  }
  const Placement moved = biggest_fit_decreasing(failed, next.hosts);
  if (moved.size() != failed.size()) return std::nullopt;
  for (const VmPlacement& move : moved) {
    const auto it = std::lower_bound(next.placement.begin(), next.placement.end(), move.vm,
                                     [](const Resident& r, VmIndex vm) { return r.vm < vm; });
    it->host = move.host;
  }
  return next;
}

// Every ordered sequence of `failures` distinct live hosts, each failure replanned from the state the previous
// one left (binpack.ml plan_always_possible: every combination, every permutation of it). Sequences that share
// a prefix share its simulation.
bool survives_every_sequence(const Configuration& config, std::size_t failures) {
  if (failures == 0) return true;
  if (failures == 1) {
    for (const Bin& bin : config.hosts) {
      if (!failure_fits(config, bin.host)) return false;
    }
    return true;
  }
  for (const Bin& bin : config.hosts) {
    const std::optional<Configuration> next = simulate_failure(config, bin.host);
    if (!next || !survives_every_sequence(*next, failures - 1)) return false;
  }
  return true;
}

bool exhaustive_plan(const Configuration& config, std::size_t failures) {
  return !trivially_never_possible(config, failures) && survives_every_sequence(config, failures);
}

// binpack.ml approximate_bin_pack and simulate_failure_approximation: every VM is as big as the biggest
// protected VM, so a host holds floor(free / biggest) more; the r hosts holding most fail (their room is lost);
// the VMs to move are those of the r hosts running the most VMs. A plan exists when they fit the room left.
bool approximate_plan(const Configuration& config, std::size_t failures) {
  if (trivially_never_possible(config, failures)) return false;
  if (config.placement.empty()) return true;
  std::uint64_t biggest = 0;
  for (const Resident& vm : config.placement) biggest = std::max(biggest, vm.memory);
  // xapi divides by zero here (and reports no plan); VMs of no memory fit anywhere.
  if (biggest == 0) return true;
  // The VMs on each host, counted in one pass (a host index past every bin's holds no bin's VMs).
  HostIndex hosts_end = 0;
  for (const Bin& bin : config.hosts) hosts_end = std::max(hosts_end, bin.host + 1);
  std::vector<std::size_t> on_host(hosts_end, 0);
  for (const Resident& vm : config.placement) {
    if (vm.host < hosts_end) ++on_host[vm.host];
  }
  std::vector<std::uint64_t> room;
  std::vector<std::size_t> running;
  room.reserve(config.hosts.size());
  running.reserve(config.hosts.size());
  for (const Bin& bin : config.hosts) {
    room.push_back(bin.free / biggest);
    running.push_back(on_host[bin.host]);
  }
  std::sort(room.begin(), room.end(), std::greater<>());
  std::sort(running.begin(), running.end(), std::greater<>());
  const auto fail = static_cast<std::ptrdiff_t>(failures);
  const std::uint64_t room_left = std::accumulate(room.begin() + fail, room.end(), std::uint64_t{0});
  const std::size_t to_move = std::accumulate(running.begin(), running.begin() + fail, std::size_t{0});
  return to_move <= room_left;
}

void check_host(const PlannerInput& input, HostIndex host, const char* what) {
  if (host >= input.hosts.size()) {
    throw std::invalid_argument(std::string("planner: ") + what + " host index " + std::to_string(host) +
                                " is out of range (" + std::to_string(input.hosts.size()) + " hosts)");
  }
}

PlannerInput with_failed(PlannerInput input, const std::vector<HostIndex>& failed) {
  for (HostIndex host : failed) {
    check_host(input, host, "failed");
    input.hosts[host].live = false;
  }
  return input;
}

// xapi_ha_vm_failover.ml compute_restart_plan's counterfactual changes, applied to a copy of the input. (xapi
// floors a host's free memory at 0 before adding what leaves and taking what arrives; here the floor comes
// after. They differ only for a host whose VMs already use more than it has.)
PlannerInput with_change(PlannerInput input, const PlanChange& change) {
  for (const PlannerVm& vm : change.new_vms) {
    if (vm.host) check_host(input, *vm.host, "new vm's");
  }
  for (const VmMove& move : change.moves) {
    if (move.vm >= input.vms.size()) {
      throw std::invalid_argument("planner: moved vm index " + std::to_string(move.vm) + " is out of range (" +
                                  std::to_string(input.vms.size()) + " vms)");
    }
    check_host(input, move.to, "move's target");
    input.vms[move.vm].host = move.to;
  }
  input.vms.insert(input.vms.end(), change.new_vms.begin(), change.new_vms.end());
  for (HostIndex host : change.hosts_to_disable) {
    check_host(input, host, "disabled");
    input.hosts[host].live = false;
  }
  return input;
}

// xapi_ha_vm_failover.ml plan_for_n_failures, on a prepared input of n hosts.
PlanStatus status_of(const Prepared& prepared, std::size_t n, std::size_t failures,
                     std::optional<Heuristic> heuristic) {
  // "Even with no Host failures this Pool cannot start the configured protected VMs."
  if (!prepared.restart.complete() || prepared.non_agile_down) return PlanStatus::none;
  // binpack.ml check_configuration fails on num_failures > total_hosts; xapi reports no plan.
  if (failures > n) return PlanStatus::none;
  const Heuristic chosen = heuristic.value_or(choose_heuristic(n, failures));
  const bool possible = chosen == Heuristic::exhaustive ? exhaustive_plan(prepared.config, failures)
                                                        : approximate_plan(prepared.config, failures);
  if (!possible) return PlanStatus::none;
  return prepared.non_agile_exist ? PlanStatus::excluding_non_agile : PlanStatus::all_vms;
}

PlanStatus status_of(const PlannerInput& input, std::size_t failures, std::optional<Heuristic> heuristic) {
  return status_of(prepare(input), input.hosts.size(), failures, heuristic);
}

// A change that leaves the input as it is (at most a number of failures): no copy of the input is needed.
bool keeps_input(const PlanChange& change) { return change.keeps_input(); }

}  // namespace

PlannerInput apply_change(PlannerInput input, const PlanChange& change) {
  return with_change(std::move(input), change);
}

Planner::Planner(PlannerInput input) : input_(std::move(input)) {
  for (const PlannerVm& vm : input_.vms) {
    if (vm.host) check_host(input_, *vm.host, "vm's");
  }
  if (input_.clustering_disabled_hosts && *input_.clustering_disabled_hosts > input_.hosts.size()) {
    throw std::invalid_argument("planner: more hosts with clustering disabled than hosts");
  }
}

RestartPlan Planner::restart_plan(const std::vector<HostIndex>& failed) const {
  if (failed.empty()) return prepare(input_).restart;
  return prepare(with_failed(input_, failed)).restart;
}

std::optional<Placement> Planner::plan_for_failures(const std::vector<HostIndex>& failed) const {
  RestartPlan plan = restart_plan(failed);
  if (!plan.complete()) return std::nullopt;
  return std::move(plan.placement);
}

PlanStatus Planner::plan_status(std::size_t failures, const PlanChange& change) const {
  if (keeps_input(change)) return status_of(input_, change.failures.value_or(failures), std::nullopt);
  return status_of(with_change(input_, change), change.failures.value_or(failures), std::nullopt);
}

bool Planner::plan_always_possible(std::size_t failures) const {
  return status_of(input_, failures, std::nullopt) != PlanStatus::none;
}

bool Planner::plan_always_possible(std::size_t failures, Heuristic heuristic) const {
  return status_of(input_, failures, heuristic) != PlanStatus::none;
}

std::size_t Planner::max_host_failures_to_tolerate() const {
  const std::size_t n = input_.hosts.size();
  if (n == 0) return 0;
  std::size_t upper = n - 1;
  if (input_.clustering_disabled_hosts) {
    // xapi_clustering.ml compute_corosync_max_host_failures: ((n - d - 1) / 2) + d, OCaml division truncating
    // (-1) / 2 to 0 when every host has clustering disabled.
    const std::size_t d = *input_.clustering_disabled_hosts;
    upper = std::min(upper, (n > d ? (n - d - 1) / 2 : 0) + d);
  }
  const Prepared prepared = prepare(input_);  // the same for every r
  const auto plan_for = [&prepared, n](std::size_t r) {
    return status_of(prepared, n, r, std::nullopt) == PlanStatus::all_vms;
  };
  // helpers.ml bisect, from lower = 0 (never tested) to upper.
  std::size_t lower = 0;
  while (upper - lower >= 2) {
    const std::size_t mid = lower + (upper - lower) / 2;
    if (plan_for(mid)) {
      lower = mid;
    } else {
      upper = mid;
    }
  }
  return plan_for(upper) ? upper : lower;
}

bool Planner::would_break_plan(std::size_t ntol, const PlanChange& change) const {
  if (status_of(input_, ntol, std::nullopt) != PlanStatus::all_vms) return false;
  return plan_status(ntol, change) != PlanStatus::all_vms;
}

}  // namespace poolsim::models
