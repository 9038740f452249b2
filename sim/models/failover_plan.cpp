// The master's failover plan (xen-api ocaml/xapi/xapi_ha_vm_failover.ml update_pool_status,
// assert_configuration_change_preserves_ha_plan): failover_plan.hpp.
#include "failover_plan.hpp"

#include <algorithm>

#include "pool_context.hpp"

namespace poolsim::models {

PlannerInput FailoverPlan::planner_input(HostIndex m) const {
  PlannerInput input;
  input.hosts.reserve(ctx.n());
  input.vms.reserve(ctx.vm_count());
  const std::vector<bool>& liveset = ctx.xhad[m].liveset;
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    const Machine& machine = ctx.machines[x];
    const bool live = ctx.db.live[x] && liveset[x] && machine.state == HostState::up && !machine.disabled;
    input.hosts.push_back({ctx.config.hosts[x].memory, ctx.config.hosts[x].memory_overhead, live});
  }
  for (VmIndex v = 0; v < ctx.vm_count(); ++v) {
    const VmRecord& record = ctx.db.vm(v);
    PlannerVm pv;
    pv.memory = ctx.vm_config(v).memory;
    if (record.running) pv.host = record.host;
    pv.is_protected = ctx.db.protected_vm(v);
    pv.agile = ctx.db.agile(v);
    input.vms.push_back(pv);
  }
  return input;
}

// The pool status update_pool_status would record now: overcommitted, and ha_plan_exists_for.
std::pair<bool, std::int64_t> FailoverPlan::pool_status(HostIndex m) const {
  const Planner planner(planner_input(m));
  const std::int64_t ntol = ctx.config.host_failures_to_tolerate;
  if (planner.plan_status(static_cast<std::size_t>(ntol)) == PlanStatus::all_vms) return {false, ntol};
  return {true, plan_exists_for_overcommitted(static_cast<std::int64_t>(planner.max_host_failures_to_tolerate()))};
}

// xapi_ha_vm_failover.ml update_pool_status / mark_pool_as_overcommitted (docs/research/real-behaviour.md §5): a
// drop of the tolerable failures below ha_plan_exists_for, and the transition to overcommitted, alert.
void FailoverPlan::update_pool_status(HostIndex m) {
  const Planner planner(planner_input(m));
  const std::int64_t ntol = ctx.config.host_failures_to_tolerate;
  if (planner.plan_status(static_cast<std::size_t>(ntol)) == PlanStatus::all_vms) {
    overcommitted = false;
    plan_exists_for = ntol;
    return;
  }
  mark_overcommitted(planner);
}

// xapi_ha_vm_failover.ml mark_pool_as_overcommitted: ha_plan_exists_for follows the planner's max (alerting a drop),
// and the transition to overcommitted alerts once.
void FailoverPlan::mark_overcommitted(const Planner& planner) {
  const auto max = static_cast<std::int64_t>(planner.max_host_failures_to_tolerate());
  if (max < plan_exists_for) ctx.alert(Alert::ha_pool_drop_in_plan_exists_for, {{"value", std::to_string(max)}});
  plan_exists_for = plan_exists_for_overcommitted(max);
  if (!overcommitted) ctx.alert(Alert::ha_pool_overcommitted);
  overcommitted = true;
}

// ha_plan_exists_for once the pool is marked overcommitted, given the planner's max host failures to tolerate:
// unchanged when it equals max, min(ntol, max) otherwise.
std::int64_t FailoverPlan::plan_exists_for_overcommitted(std::int64_t max) const {
  return max == plan_exists_for ? plan_exists_for : std::min(ctx.config.host_failures_to_tolerate, max);
}

void FailoverPlan::replan_at_pass_end(HostIndex m) {
  const SimTime now = ctx.queue.now();
  if (out_of_date || now - last_plan_time > ctx.config.xapi.plan_interval) {
    update_pool_status(m);
    last_plan_time = now;
    out_of_date = false;
  } else {
    schedule_replan(m);
  }
}

// A pass is scheduled only when the status it would record differs from the recorded one (an operator's VM
// operation changed the plan: xapi does not replan for it), at the first monitor loop more than plan_interval after
// the last replan; or at the next loop when a recomputation was asked for.
void FailoverPlan::schedule_replan(HostIndex m) {
  if (!ctx.config.ha_enabled || !ctx.monitor.running() || !ctx.xapi[m].is_master) return;
  SimTime due;
  if (out_of_date) {
    due = ctx.queue.now();
  } else {
    if (pool_status(m) == std::make_pair(overcommitted, plan_exists_for)) return;
    due = std::max(ctx.queue.now(), last_plan_time + ctx.config.xapi.plan_interval + Duration::nanoseconds(1));
  }
  ctx.monitor.wake_after(m, due);
}

// (a host enabled again: xapi_host_helpers.ml ha_schedule_plan_recomputation)
void FailoverPlan::operation_done(bool recompute) {
  const std::optional<HostIndex> holder = ctx.statefile.lock_holder();
  if (!ctx.config.ha_enabled || !holder || !ctx.xapi[*holder].is_master) return;
  if (recompute) out_of_date = true;
  schedule_replan(*holder);
}

// Overcommit protection (xapi_ha_vm_failover.ml assert_configuration_change_preserves_ha_plan): with HA on, an
// operation is refused (HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN) when a plan for ha_plan_exists_for failures exists
// now and would not after it. A pool with ha_allow_overcommit refuses nothing.
bool FailoverPlan::breaks_plan(HostIndex m, const PlanChange& change) const {
  if (!ctx.config.ha_enabled || ctx.config.allow_overcommit) return false;
  // Planner::would_break_plan, with its two plans looked up first.
  const auto failures = static_cast<std::size_t>(plan_exists_for);
  PlannerInput now = planner_input(m);
  if (!plan_exists(now, failures)) return false;
  const std::size_t after = change.failures.value_or(failures);
  if (change.keeps_input()) return !plan_exists(now, after);
  return !plan_exists(apply_change(std::move(now), change), after);
}

bool FailoverPlan::plan_exists(const PlannerInput& input, std::size_t failures) const {
  for (const Answer& a : answers_) {
    if (a.failures == failures && a.input == input) return a.exists;
  }
  Answer answer{input, failures, Planner(input).plan_status(failures) == PlanStatus::all_vms};
  const bool exists = answer.exists;
  if (answers_.size() < 2) {
    answers_.push_back(std::move(answer));
  } else {
    answers_[next_answer_ % 2] = std::move(answer);
  }
  ++next_answer_;
  return exists;
}

// message_forwarding.ml check_vm_preserves_ha_plan: a `restart` VM not yet protected becomes a new VM to protect,
// wherever it starts; any other arrives on `to`. A migrating VM still holds its memory on the host it leaves
// (reserve_memory_for_vm: "it will still be considered on both hosts").
PlanChange FailoverPlan::arriving(VmIndex v, HostIndex to) const {
  const VmConfig& config = ctx.vm_config(v);
  const VmRecord& record = ctx.db.vm(v);
  PlanChange change;
  if (config.priority == RestartPriority::restart && !record.always_run) {
    change.new_vms.push_back(PlannerVm{config.memory, std::nullopt, true, ctx.db.agile(v)});
    return change;
  }
  change.moves.push_back({v, to});
  if (record.running && record.host && *record.host != to) {
    change.new_vms.push_back(PlannerVm{config.memory, record.host, false, true});
  }
  return change;
}

}  // namespace poolsim::models
