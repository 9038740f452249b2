// The safety rules a correct model never breaks, checked from ground truth (what reaches whom, who writes the
// statefile, who acts as master, where VMs really run) by the checker, not by the decision that is checked:
//   - a host that fences by the survival rules was truly outside both survival rules (once the world has been
//     stable for longer than views can lag);
//   - at most one host acts as master;
//   - a VM runs in at most one place.
// A violation is a bug in the model: InvariantViolation, with the time. The rules are XenServer's HA safety
// claims (docs/model.md "Safety rules"); no XenServer file checks them.
#pragma once

#include "poolsim/kernel/time.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

class Invariants {
 public:
  explicit Invariants(PoolContext& context) : ctx(context) {}

  // Reachability, statefile I/O or a daemon changed now.
  void world_changed();
  // h is about to fence by a survival rule.
  void check_fence_justified(HostIndex h) const;
  // h is about to take the master lock.
  void check_no_master_before(HostIndex h) const;
  // VM v is about to be started on `target`.
  void check_vm_not_running(VmIndex v, HostIndex target) const;

 private:
  PoolContext& ctx;
  SimTime world_changed_;
};

}  // namespace poolsim::models
