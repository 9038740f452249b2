// The master's xapi database as HA reads it (xen-api ocaml/database, ocaml/idl/datamodel*.ml): xapi_database.hpp.
#include "xapi_database.hpp"

#include <algorithm>
#include <utility>

#include "pool_context.hpp"

namespace poolsim::models {

void XapiDatabase::init(std::size_t hosts, const std::vector<VmConfig>& vms) {
  live.assign(hosts, true);
  placement_ = RandomStream(ctx.config.placement_seed);
  vms_.clear();
  for (const VmConfig& v : vms) {
    VmRecord record;
    record.cd = v.cd_inserted;
    record.always_run = v.always_run_when_halted && v.priority == RestartPriority::restart;
    vms_.push_back(record);
  }
}

bool XapiDatabase::agile(VmIndex v) const { return ctx.vm_config(v).agile && !vms_[v].cd; }

bool XapiDatabase::protected_vm(VmIndex v) const {
  return ctx.vm_config(v).priority == RestartPriority::restart && vms_[v].always_run;
}

std::uint64_t XapiDatabase::vm_memory(HostIndex h) const {
  const HostConfig& c = ctx.config.hosts[h];
  return c.memory_overhead >= c.memory ? 0 : c.memory - c.memory_overhead;
}

std::uint64_t XapiDatabase::free_given(HostIndex h, std::uint64_t used) const {
  return used >= vm_memory(h) ? 0 : vm_memory(h) - used;
}

std::uint64_t XapiDatabase::free_memory(HostIndex h) const {
  std::uint64_t used = 0;
  for (VmIndex v = 0; v < vms_.size(); ++v) {
    if (vms_[v].host == h && vms_[v].running) used += ctx.vm_config(v).memory;
  }
  return free_given(h, used);
}

// free_memory's sums for every host, in one pass over the VMs.
std::vector<std::uint64_t> XapiDatabase::used_by_host() const {
  std::vector<std::uint64_t> used(ctx.n(), 0);
  for (VmIndex v = 0; v < vms_.size(); ++v) {
    if (vms_[v].running && vms_[v].host) used[*vms_[v].host] += ctx.vm_config(v).memory;
  }
  return used;
}

std::optional<HostIndex> XapiDatabase::place(std::uint64_t memory,
                                             const std::function<bool(HostIndex)>& eligible) const {
  std::optional<HostIndex> target;
  std::uint64_t most = 0;
  const std::vector<std::uint64_t> used = used_by_host();
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    const Machine& machine = ctx.machines[x];
    if (machine.state != HostState::up || machine.disabled || !eligible(x)) continue;
    const std::uint64_t free = free_given(x, used[x]);
    if (free >= memory && (!target || free > most)) {
      target = x;
      most = free;
    }
  }
  return target;
}

// vm_placement.ml: the categories definite (memory left once static_max is counted), probable (dynamic_max) and
// possible (dynamic_min) coincide here, VMs having one memory figure; the affinity category is empty (no VM
// affinity is modelled). Each candidate already passes what vm_can_run_on_host would check, so the first pick is
// taken.
std::optional<HostIndex> XapiDatabase::choose_host(std::uint64_t memory,
                                                   const std::function<bool(HostIndex)>& eligible) {
  const std::vector<std::uint64_t> used = used_by_host();
  const std::optional<HostIndex> master = ctx.xapi.master();
  std::vector<std::pair<std::int64_t, HostIndex>> scored;  // (score, host)
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    const Machine& machine = ctx.machines[x];
    if (machine.state != HostState::up || machine.disabled || !eligible(x)) continue;
    const std::uint64_t free = free_given(x, used[x]);
    if (free < memory) continue;
    auto score = static_cast<std::int64_t>(free - memory);
    if (x == master) score = (score - 1) / 2;  // coordinator_bias (pool default true), Int64 division
    scored.emplace_back(score, x);
  }
  if (scored.empty()) return std::nullopt;
  // Highest score first; a stable sort keeps the host order among equals.
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const double u = placement_.uniform(0.0, 1.0);
  const auto n = static_cast<double>(scored.size());
  const auto index = std::min(scored.size() - 1, static_cast<std::size_t>(n * u * u));  // biased_random_fn
  return scored[index].second;
}

}  // namespace poolsim::models
