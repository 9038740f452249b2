// The safety rules a correct model never breaks, checked by a checker that hears every record before it is
// published and looks at ground truth (what reaches whom, who writes the statefile, who acts as master, where
// VMs really run), not at the decision that made the record:
//   - a host that fences by the survival rules (self_fence with reason smaller_partition,
//     statefile_lost_peer_has_it or statefile_and_peers_lost) was truly outside both survival rules, once the
//     world has been stable for longer than views can lag;
//   - at most one host acts as master (each master_changed);
//   - a VM runs in at most one place (each vm_restart and vm_start).
// A violation is a bug in the model: InvariantViolation, thrown before the record is published, with the time.
// The rules are XenServer's HA safety claims (docs/model.md "Safety rules"); no XenServer file checks them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/time.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/models/records.hpp"

namespace poolsim::models {

struct PoolContext;

class Invariants {
 public:
  explicit Invariants(PoolContext& context) : ctx(context) {}

  // Reachability, statefile I/O or a daemon changed now: the models say so, since not every such change is a
  // record (a daemon's new incarnation, a heartbeat domain recomputed).
  void world_changed();
  // Record `id` from `source` is about to be published: throws InvariantViolation if it breaks a rule.
  void check(Rec id, const std::string& source, const std::vector<Detail>& details) const;

 private:
  void check_fence_justified(HostIndex h) const;
  void check_one_master(const std::string& new_master) const;
  void check_vm_not_running(VmIndex v, std::string_view verb, const std::string& target) const;

  PoolContext& ctx;
  SimTime world_changed_;
};

}  // namespace poolsim::models
