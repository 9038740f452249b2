// What-if changes of a pool: the scenario's own (`pool: {from: FILE, remove_hosts: [...], ...}`) and the command
// line's (`poolsim run|batch|size --remove-host NAME --add-host MEMORY --ntol N ...`), applied to a spec before it
// is validated or sized (docs/scenario-format.md "One pool, many scenarios").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "poolsim/kernel/time.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::scenario {

// The changes, applied in this order: remove VMs, remove hosts, add hosts, set the HA timeout and ntol.
struct WhatIf {
  std::vector<std::string> remove_vms;
  std::vector<std::string> remove_hosts;
  std::vector<std::uint64_t> add_hosts;  // memory in bytes of each host to add
  std::optional<std::int64_t> ntol;
  std::optional<Duration> ha_timeout;
};

// Applies `what_if` to `spec` and appends each change to spec.changes, as the command line writes it.
// A removed VM leaves the pool, and every service and expectation naming it fails validation.
// A removed host's VMs are halted there; a protected one stays protected (ha_always_run), so HA has to start it
// elsewhere, as it would after the host's loss. The master moves to the first host left; a host holding a local
// SR cannot be removed. An added host is named "added-1", "added-2"..., a copy of the last host of the file (NICs,
// bonds, networks) with the given memory and no uuid. An ntol is checked against the pool after the hosts
// change: 0 to hosts - 1. Returns an error message (the option's flag first, for exit 2) or nothing.
std::optional<std::string> apply_what_if(ScenarioSpec& spec, const WhatIf& what_if);

// The command line's changes applied to `spec`, as options that repeat them (" --remove-host xs3 --ntol 2",
// each with a space before it), for replay commands; empty when there are none.
std::string command_line_options(const ScenarioSpec& spec);

// Removes the host `name` as apply_what_if does, without recording the change; the reason when it cannot be.
std::optional<std::string> remove_host(ScenarioSpec& spec, const std::string& name);

}  // namespace poolsim::scenario
