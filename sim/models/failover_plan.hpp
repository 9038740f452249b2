// The master's failover plan (xapi_ha_vm_failover.ml): the pool as its planner sees it, the pool status
// (update_pool_status: ha_plan_exists_for, ha_overcommitted and their alerts), the periodic replan, and
// overcommit protection (assert_configuration_change_preserves_ha_plan).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/planner.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

class FailoverPlan {
 public:
  explicit FailoverPlan(PoolContext& context) : ctx(context) {}

  std::int64_t plan_exists_for = 0;  // xapi's pool.ha_plan_exists_for
  bool overcommitted = false;        // xapi's pool.ha_overcommitted
  // xapi_ha.ml: the master's monitor recomputes the pool's plan status when the liveset changed, when asked
  // (ha_schedule_plan_recomputation), or once plan_interval has passed since it last did.
  bool out_of_date = true;
  SimTime last_plan_time;

  // The pool as master m's planner sees it: live hosts are those in its liveset, up and enabled.
  PlannerInput planner_input(HostIndex m) const;
  // update_pool_status: the status from the planner now, alerting a drop or the transition to overcommitted.
  void update_pool_status(HostIndex m);
  // mark_pool_as_overcommitted from a planner's answers.
  void mark_overcommitted(const Planner& planner);
  // At the end of a monitor pass: replan now if it is due, else schedule the next replan.
  void replan_at_pass_end(HostIndex m);
  // The next replan, computed rather than polled: a wakeup of the monitor's loop.
  void schedule_replan(HostIndex m);
  // After an operator's operation; `recompute`: it asks the master to replan at its next loop.
  void operation_done(bool recompute);
  // Whether the change breaks a plan for ha_plan_exists_for failures (HA on, overcommit not allowed).
  bool breaks_plan(HostIndex m, const PlanChange& change) const;
  // What VM v starting, restarting or migrating on `to` changes for the planner.
  PlanChange arriving(VmIndex v, HostIndex to) const;

 private:
  std::pair<bool, std::int64_t> pool_status(HostIndex m) const;
  // Whether a plan restores every protected VM of `input` after `failures` host failures; the last two answers
  // are kept, since one VM start's "after" is the next start's "now" (a pure function of its arguments).
  bool plan_exists(const PlannerInput& input, std::size_t failures) const;
  std::int64_t plan_exists_for_overcommitted(std::int64_t max) const;

  PoolContext& ctx;
  struct Answer {
    PlannerInput input;
    std::size_t failures = 0;
    bool exists = false;
  };
  mutable std::vector<Answer> answers_;  // at most two
  mutable std::size_t next_answer_ = 0;
};

}  // namespace poolsim::models
