#include "xapi_database.hpp"

#include "pool_context.hpp"

namespace poolsim::models {

void XapiDatabase::init(std::size_t hosts, const std::vector<VmConfig>& vms) {
  live.assign(hosts, true);
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

std::optional<HostIndex> XapiDatabase::place(std::uint64_t memory,
                                             const std::function<bool(HostIndex)>& eligible) const {
  std::optional<HostIndex> target;
  std::uint64_t most = 0;
  std::vector<std::uint64_t> used(ctx.n(), 0);  // free_memory's sums for every host, in one pass over the VMs
  for (VmIndex v = 0; v < vms_.size(); ++v) {
    if (vms_[v].running && vms_[v].host) used[*vms_[v].host] += ctx.vm_config(v).memory;
  }
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

}  // namespace poolsim::models
