#include "poolsim/analysis/shrink.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace poolsim::analysis {

namespace {

// The repair a failure is paired with, if it has one.
std::optional<FaultVerb> repair_of(FaultVerb verb) {
  switch (verb) {
    case FaultVerb::crash: return FaultVerb::power_on;
    case FaultVerb::unplug: return FaultVerb::replug;
    case FaultVerb::switch_fail: return FaultVerb::switch_restore;
    case FaultVerb::lacp_fail: return FaultVerb::lacp_restore;
    case FaultVerb::portal_fail: return FaultVerb::portal_restore;
    case FaultVerb::storage_fail: return FaultVerb::storage_restore;
    case FaultVerb::partition: return FaultVerb::heal;
    case FaultVerb::xapi_hang:
    case FaultVerb::xapi_crash:
    case FaultVerb::xapi_disable: return FaultVerb::xapi_restore;
    case FaultVerb::enter_maintenance: return FaultVerb::exit_maintenance;
    case FaultVerb::ha_disable: return FaultVerb::ha_enable;
    case FaultVerb::vm_shutdown: return FaultVerb::vm_start;
    case FaultVerb::insert_cd: return FaultVerb::eject_cd;
    default: return std::nullopt;
  }
}

std::vector<std::string> nic_names(const FaultSpec& f) {
  std::vector<std::string> names;
  for (const Ref& n : f.nics) names.push_back(n.name);
  std::sort(names.begin(), names.end());
  return names;
}

// Whether `repair` repairs what `failure` broke: the same host, NICs, switch, portal, storage or VM.
bool same_target(const FaultSpec& failure, const FaultSpec& repair) {
  switch (failure.verb) {
    case FaultVerb::unplug: return failure.host.name == repair.host.name && nic_names(failure) == nic_names(repair);
    case FaultVerb::switch_fail:
    case FaultVerb::lacp_fail: return failure.on_switch.name == repair.on_switch.name;
    case FaultVerb::portal_fail: return failure.portal.name == repair.portal.name;
    case FaultVerb::storage_fail: return failure.storage.name == repair.storage.name;
    case FaultVerb::vm_shutdown:
    case FaultVerb::insert_cd: return failure.vm.name == repair.vm.name;
    case FaultVerb::partition:
    case FaultVerb::ha_disable: return true;
    default: return failure.host.name == repair.host.name;
  }
}

bool names_host(const FaultSpec& f, const std::string& host) {
  return f.host.name == host || f.new_master.name == host;
}

// `spec` without the VM `vm` and the faults that name it.
ScenarioSpec without_vm(const ScenarioSpec& spec, const std::string& vm) {
  ScenarioSpec out = spec;
  std::erase_if(out.pool.vms, [&](const VmSpec& v) { return v.name == vm; });
  std::erase_if(out.faults, [&](const FaultSpec& f) { return f.vm.name == vm; });
  return out;
}

// `spec` without the host `host`, its VMs, the faults that name it and its place in partitions.
ScenarioSpec without_host(const ScenarioSpec& spec, const std::string& host) {
  ScenarioSpec out = spec;
  std::vector<std::string> vms;
  for (const VmSpec& v : out.pool.vms) {
    if (v.host.name == host) vms.push_back(v.name);
  }
  for (const std::string& vm : vms) out = without_vm(out, vm);
  const bool was_master =
      std::any_of(out.pool.hosts.begin(), out.pool.hosts.end(), [&](const HostSpec& h) { return h.name == host && h.master; });
  std::erase_if(out.pool.hosts, [&](const HostSpec& h) { return h.name == host; });
  if (out.pool.hosts.empty()) return spec;
  if (was_master) out.pool.hosts.front().master = true;
  std::erase_if(out.pool.storage, [&](const StorageSpec& sr) { return sr.host.name == host; });
  for (FaultSpec& f : out.faults) {
    if (f.verb == FaultVerb::vm_start && f.host.name == host) f.host = {};  // started wherever it fits
    for (std::vector<Ref>& group : f.groups) std::erase_if(group, [&](const Ref& r) { return r.name == host; });
    std::erase_if(f.groups, [](const std::vector<Ref>& group) { return group.empty(); });
  }
  std::erase_if(out.faults, [&](const FaultSpec& f) {
    return names_host(f, host) || (f.verb == FaultVerb::partition && f.groups.size() < 2);
  });
  const auto limit = static_cast<std::int64_t>(out.pool.hosts.size()) - 1;
  out.pool.ha.host_failures_to_tolerate = std::min(out.pool.ha.host_failures_to_tolerate, limit);
  return out;
}

class Shrinker {
 public:
  Shrinker(const ScenarioSpec& failing, const SwarmVerdict& verdict, std::size_t max_runs)
      : best_{failing, verdict, 0}, max_runs_(max_runs) {}

  ShrinkResult run() {
    bool progress = true;
    while (progress && budget()) {
      progress = false;
      progress |= faults();
      progress |= vms();
      progress |= hosts();
    }
    return best_;
  }

 private:
  bool budget() const { return best_.runs < max_runs_; }

  // Runs a candidate; keeps it when it fails the same way.
  bool attempt(const ScenarioSpec& candidate) {
    if (!budget()) return false;
    ++best_.runs;
    SwarmVerdict verdict = check_swarm_case(candidate);
    if (verdict.signature != best_.verdict.signature) return false;
    best_.spec = candidate;
    best_.verdict = std::move(verdict);
    return true;
  }

  bool faults() {
    bool progress = false;
    std::size_t chunk = std::max<std::size_t>(1, fault_groups(best_.spec).size() / 2);
    while (budget()) {
      const std::vector<std::vector<std::size_t>> groups = fault_groups(best_.spec);
      bool removed = false;
      for (std::size_t begin = 0; begin < groups.size() && budget(); begin += chunk) {
        std::vector<bool> drop(best_.spec.faults.size(), false);
        for (std::size_t g = begin; g < std::min(groups.size(), begin + chunk); ++g) {
          for (const std::size_t i : groups[g]) drop[i] = true;
        }
        ScenarioSpec candidate = best_.spec;
        candidate.faults.clear();
        for (std::size_t i = 0; i < drop.size(); ++i) {
          if (!drop[i]) candidate.faults.push_back(best_.spec.faults[i]);
        }
        if (attempt(candidate)) {
          removed = progress = true;
          break;  // the groups changed: recompute them at this chunk size
        }
      }
      if (removed) continue;
      if (chunk == 1) break;
      chunk /= 2;
    }
    return progress;
  }

  bool vms() {
    bool progress = false;
    for (std::size_t i = best_.spec.pool.vms.size(); i-- > 0 && budget();) {
      if (i >= best_.spec.pool.vms.size()) continue;
      progress |= attempt(without_vm(best_.spec, best_.spec.pool.vms[i].name));
    }
    return progress;
  }

  bool hosts() {
    bool progress = false;
    for (std::size_t i = best_.spec.pool.hosts.size(); i-- > 0 && budget();) {
      if (i >= best_.spec.pool.hosts.size() || best_.spec.pool.hosts.size() <= 2) continue;
      progress |= attempt(without_host(best_.spec, best_.spec.pool.hosts[i].name));
    }
    return progress;
  }

  ShrinkResult best_;
  std::size_t max_runs_;
};

}  // namespace

std::vector<std::vector<std::size_t>> fault_groups(const ScenarioSpec& spec) {
  std::vector<std::vector<std::size_t>> groups;
  std::vector<bool> paired(spec.faults.size(), false);
  for (std::size_t i = 0; i < spec.faults.size(); ++i) {
    if (paired[i]) continue;
    std::vector<std::size_t>& group = groups.emplace_back(std::vector<std::size_t>{i});
    const std::optional<FaultVerb> repair = repair_of(spec.faults[i].verb);
    if (!repair) continue;
    for (std::size_t j = i + 1; j < spec.faults.size(); ++j) {
      if (!paired[j] && spec.faults[j].verb == *repair && same_target(spec.faults[i], spec.faults[j])) {
        paired[j] = true;
        group.push_back(j);
        break;
      }
    }
  }
  return groups;
}

ShrinkResult shrink_swarm_case(const ScenarioSpec& failing, const SwarmVerdict& verdict, std::size_t max_runs) {
  return Shrinker(failing, verdict, max_runs).run();
}

}  // namespace poolsim::analysis
