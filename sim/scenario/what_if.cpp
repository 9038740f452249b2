#include "poolsim/scenario/what_if.hpp"

#include <algorithm>

#include "poolsim/scenario/size.hpp"

namespace poolsim::scenario {
namespace {

template <typename T>
auto named(std::vector<T>& list, const std::string& name) {
  return std::find_if(list.begin(), list.end(), [&](const T& item) { return item.name == name; });
}

}  // namespace

std::optional<std::string> remove_host(ScenarioSpec& spec, const std::string& name) {
  std::vector<HostSpec>& hosts = spec.pool.hosts;
  const auto it = named(hosts, name);
  if (it == hosts.end()) return "no host named '" + name + "' in the pool";
  if (hosts.size() == 1) return "'" + name + "' is the last host; a pool needs one";
  for (const StorageSpec& sr : spec.pool.storage) {
    if (sr.type == StorageType::local && sr.host.name == name) {
      return "host '" + name + "' has the local SR '" + sr.name + "'; it cannot be removed";
    }
  }
  const bool was_master = it->master;
  hosts.erase(it);
  if (was_master) hosts.front().master = true;
  for (VmSpec& vm : spec.pool.vms) {
    if (vm.host.name != name) continue;
    vm.always_run_when_halted = vm.ha.restart_priority == RestartPriority::restart;
    vm.host = Ref{};
  }
  return std::nullopt;
}

std::string command_line_options(const ScenarioSpec& spec) {
  std::string options;
  for (const std::string& change : spec.changes) {
    if (change.starts_with("--")) options += " " + change;  // the scenario's own changes are words
  }
  return options;
}

std::optional<std::string> apply_what_if(ScenarioSpec& spec, const WhatIf& what_if) {
  for (const std::string& name : what_if.remove_vms) {
    const auto it = named(spec.pool.vms, name);
    if (it == spec.pool.vms.end()) return "--remove-vm: no VM named '" + name + "' in the pool";
    spec.pool.vms.erase(it);
    spec.changes.push_back("--remove-vm " + name);
  }
  for (const std::string& name : what_if.remove_hosts) {
    if (auto error = remove_host(spec, name)) return "--remove-host: " + *error;
    spec.changes.push_back("--remove-host " + name);
  }
  std::vector<HostSpec>& hosts = spec.pool.hosts;
  std::size_t added = 0;
  for (const std::uint64_t memory : what_if.add_hosts) {
    if (memory == 0) return "--add-host: a host needs memory, e.g. '--add-host 64GiB'";
    HostSpec host = hosts.back();
    std::string name;
    do {
      name = "added-" + std::to_string(++added);
    } while (named(hosts, name) != hosts.end());
    host.name = name;
    host.uuid.clear();
    host.master = false;
    host.memory = memory;
    hosts.push_back(std::move(host));
    spec.changes.push_back("--add-host " + format_size(memory));
  }
  if (what_if.ha_timeout) {
    spec.pool.ha.timeout = *what_if.ha_timeout;
    spec.changes.push_back("--ha-timeout " + format_duration(*what_if.ha_timeout));
  }
  if (what_if.ntol) {
    // The loader's range (validate.cpp check_ntol): 0 to the pool's hosts - 1, once hosts are added or removed.
    const auto most = static_cast<std::int64_t>(hosts.size()) - 1;
    if (*what_if.ntol < 0) return "--ntol: a number of host failures is 0 or more";
    if (*what_if.ntol > most) {
      return "--ntol " + std::to_string(*what_if.ntol) + " is more than the pool's " + std::to_string(hosts.size()) +
             " hosts - 1; give 0 to " + std::to_string(most);
    }
    spec.pool.ha.host_failures_to_tolerate = *what_if.ntol;
    spec.changes.push_back("--ntol " + std::to_string(*what_if.ntol));
  }
  return std::nullopt;
}

}  // namespace poolsim::scenario
