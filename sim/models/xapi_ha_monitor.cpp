// The master's HA monitor (xen-api ocaml/xapi/xapi_ha.ml Monitor, xapi_ha_vm_failover.ml restart_auto_run_vms):
// xapi_ha_monitor.hpp.
#include "xapi_ha_monitor.hpp"

#include <algorithm>

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

void HaMonitor::init(std::size_t vms) { vms_.assign(vms, RestartState{}); }

void HaMonitor::resume(HostIndex m) {
  stage_ = MonitorStage::monitoring;
  anchor_ = thread_start_ = ctx.queue.now();
  statefile_lost_raised_ = false;
  const std::uint64_t term = ctx.xapi.master_term();
  ctx.queue.schedule_in(Duration::zero(), Phase::decision, [this, m, term] {
    if (ctx.xapi.master_term() == term && stage_ == MonitorStage::monitoring) pass(m);
  });
}

// Monitor.start, then ha_monitor (): wait_for_slaves_on_master runs first on a master, its checks on the loop's
// grid from the thread's start. Its edge triggers start cleared (`trigger false`).
void HaMonitor::start_thread(HostIndex m) {
  stop();
  stage_ = MonitorStage::awaiting_hosts;
  anchor_ = thread_start_ = ctx.queue.now();
  statefile_lost_raised_ = false;
  wake(m);
}

void HaMonitor::stop() {
  stage_ = MonitorStage::stopped;
  in_pass_ = false;
  deferred_.reset();
  ctx.queue.cancel(wakeup_);
  for (RestartState& state : vms_) state.pending = false;
}

void HaMonitor::wake(HostIndex m) { wake_after(m, ctx.queue.now()); }

// Delay.wait delay ha_monitor_interval: the loop wakes at anchor + k * interval, the first strictly after `due`
// (xapi's own guards are strict: `now -. x > 120.`). One wakeup is pending at a time, the earliest asked for; a
// pass that runs reschedules what it still needs.
void HaMonitor::wake_after(HostIndex m, SimTime due) {
  if (stage_ == MonitorStage::stopped) return;
  if (in_pass_) {
    deferred_ = deferred_ ? std::min(*deferred_, due) : due;
    return;
  }
  const SimTime next =
      grid_at_or_after(anchor_, ctx.config.xapi.monitor_interval, std::max(due, anchor_), false);
  if (ctx.queue.pending(wakeup_)) {
    if (wakeup_at_ <= next) return;
    ctx.queue.cancel(wakeup_);
  }
  wakeup_at_ = next;
  const std::uint64_t term = ctx.xapi.master_term();
  wakeup_ = ctx.queue.schedule_at(next, Phase::decision, [this, m, term] {
    if (ctx.xapi.master_term() == term) wakeup(m);
  });
}

// A wakeup of the loop: while waiting for the hosts, check them (the wait ends when every live host is enabled,
// or after monitor_startup_timeout); then the monitoring loop waits once more before its first pass.
void HaMonitor::wakeup(HostIndex m) {
  if (stage_ == MonitorStage::awaiting_hosts) {
    const bool timed_out = ctx.queue.now() - thread_start_ > ctx.config.xapi.monitor_startup_timeout;
    if (hosts_enabled(m) || timed_out) {
      stage_ = MonitorStage::monitoring;
      ctx.plan.out_of_date = true;  // a new monitor plans at its first pass
    }
    anchor_ = ctx.queue.now();
    wake(m);
    return;
  }
  if (stage_ == MonitorStage::monitoring) pass(m);
}

// Every host in the master's liveset is enabled (Db.Host.get_enabled): it re-enabled itself after the master's
// xapi started, and no operator disabled it. A host that stopped counts until the liveset drops it.
bool HaMonitor::hosts_enabled(HostIndex m) const {
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    if (!ctx.xhad[m].liveset[x]) continue;
    const std::optional<SimTime> enabled = ctx.xapi[x].enabled_at;
    if (!enabled || *enabled > ctx.queue.now() || ctx.machines[x].disabled) return false;
  }
  return true;
}

// HA_STATEFILE_LOST, the master's pool-wide warning (process_liveset_on_master): raised when it turns on, with every
// host of the pool live and without statefile access (`relying_on_rule_2`). A host's access is xhad's SF_access:
// lost on an I/O error, kept while its I/O hangs (statefile.c).
void HaMonitor::statefile_warning(HostIndex m) {
  bool all_lost = true;
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    const bool live = ctx.xhad[m].liveset[x] && ctx.xhad[x].live();
    if (!live || ctx.statefile.io(x) != IoOutcome::fails) all_lost = false;
  }
  if (all_lost && !statefile_lost_raised_) ctx.alert(Alert::ha_statefile_lost);
  statefile_lost_raised_ = all_lost;
}

// xapi_ha_vm_failover.ml restart_auto_run_vms (docs/research/real-behaviour.md §5).
void HaMonitor::pass(HostIndex m) {
  const Xhad& xhad = ctx.xhad;
  if (!ctx.xapi[m].is_master || !xhad[m].running() || !ctx.xapi[m].alive) return;
  const std::vector<bool>& liveset = xhad[m].liveset;
  XapiDatabase& db = ctx.db;
  bool reset = false;
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    if (db.live[x] && !liveset[x]) {
      db.live[x] = false;
      ctx.alert(Alert::ha_host_failed, {{"host", ctx.name(x)}});
      for (VmIndex v = 0; v < ctx.vm_count(); ++v) {
        VmRecord& record = db.vm(v);
        if (record.host == x && record.running) {
          record.running = false;
          record.host.reset();
          if (ctx.vm_config(v).priority == RestartPriority::best_effort) vms_[v].best_effort_owed = best_effort_attempts;
          ctx.publish(ctx.vm_source(v), Rec::vm_halted, {{"host", ctx.name(x)}, {"reason", "host_failed"}});
          reset = true;
        }
      }
    } else if (!db.live[x] && liveset[x] && xhad[x].live()) {
      // Live for xapi once its daemon has joined (xapi waits for the liveset it reads to include the host).
      db.live[x] = true;
      liveset_grew_ = true;
    }
  }
  // VMs were reset: the pool's plan status first (restart_auto_run_vms calls update_pool_status before planning).
  if (reset) ctx.plan.update_pool_status(m);
  // Protected VMs go where the planner puts them (compute_restart_plan, VM.start_on); best-effort VMs after every
  // protected one, by a plain start. Each class by order groups.
  const RestartPlan plan = Planner(ctx.plan.planner_input(m)).restart_plan();
  planned_host_.assign(ctx.vm_count(), std::nullopt);
  for (const VmPlacement& p : plan.placement) planned_host_[p.vm] = p.host;
  // When every protected VM has a place and the liveset grew since the last pass, every halted best-effort VM is
  // started (docs/research/real-behaviour.md §5).
  if (liveset_grew_ && plan.complete()) {
    for (VmIndex v = 0; v < ctx.vm_count(); ++v) {
      // Every halted best-effort VM, those an operator shut down included: xapi reads them all from the database
      // (restart_auto_run_vms, `is_best_effort`).
      if (ctx.vm_config(v).priority == RestartPriority::best_effort && !db.vm(v).running) {
        vms_[v].best_effort_owed = best_effort_attempts;
      }
    }
  }
  liveset_grew_ = false;
  const Duration retry_delay = ctx.config.xapi.restart_retry_delay;
  std::vector<VmIndex> candidates;
  for (VmIndex v = 0; v < ctx.vm_count(); ++v) {
    RestartState& state = vms_[v];
    // The pass knows the halted protected VMs; it forgets every other VM's last attempt and alert
    // (restart_auto_run_vms `gc_table last_start_attempt`, `gc_table restart_failed`), a VM running again included.
    if ((db.vm(v).running || !db.protected_vm(v)) && !state.pending) {
      state.last_attempt.reset();
      state.alerted = false;
    }
    if (db.vm(v).running || state.pending) continue;
    if (db.protected_vm(v)) {
      if (state.last_attempt && ctx.queue.now() < *state.last_attempt + retry_delay) continue;
    } else if (state.best_effort_owed == 0) {
      continue;
    }
    candidates.push_back(v);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [this](VmIndex a, VmIndex b) {
    const VmConfig& va = ctx.vm_config(a);
    const VmConfig& vb = ctx.vm_config(b);
    const bool ba = va.priority != RestartPriority::restart;
    const bool bb = vb.priority != RestartPriority::restart;
    return ba != bb ? bb : va.order < vb.order;
  });
  for (const VmIndex v : candidates) vms_[v].pending = true;
  in_pass_ = true;  // until the last group's starts return
  start_group(m, ctx.xapi.master_term(), candidates, 0);
}

// The pass's last VM start has returned: the pool status and plan (process_liveset_on_master goes on after
// restart_auto_run_vms), the statefile warning, then the loop waits again from now.
void HaMonitor::pass_done(HostIndex m) {
  in_pass_ = false;
  anchor_ = ctx.queue.now();
  statefile_warning(m);
  ctx.plan.replan_at_pass_end(m);
  schedule_retry(m);
  if (deferred_) {
    const SimTime due = *deferred_;
    deferred_.reset();
    wake_after(m, due);
  }
}

// The wakeup that retries a failed start: the first after restart_retry_delay has passed (a best-effort VM still
// owed an attempt: the next one). xapi's loop passes every monitor_interval, and each pass forgets the attempts and
// alerts of the VMs that are not halted and protected (gc_table): so a VM that runs again, with an attempt or an
// alert on record, is forgotten at the next pass, which poolsim runs for it.
void HaMonitor::schedule_retry(HostIndex m) {
  std::optional<SimTime> due;
  for (VmIndex v = 0; v < ctx.vm_count(); ++v) {
    const RestartState& state = vms_[v];
    if (state.pending) continue;
    std::optional<SimTime> at;
    if (ctx.db.vm(v).running) {
      if (state.last_attempt || state.alerted) at = ctx.queue.now();  // to be forgotten
    } else if (ctx.db.protected_vm(v)) {
      at = state.last_attempt ? *state.last_attempt + ctx.config.xapi.restart_retry_delay : ctx.queue.now();
    } else if (state.best_effort_owed > 0) {
      at = ctx.queue.now();  // the next pass
    }
    if (at && (!due || *at < *due)) due = *at;
  }
  if (due) wake_after(m, *due);
}

// Starts the VMs of one order group in parallel (TaskChains.parallel); each VM.start returns once the VM's
// start_delay has passed (xapi_vm_helpers.ml start_delay), and the next group starts when the last has returned.
void HaMonitor::start_group(HostIndex m, std::uint64_t term, std::vector<VmIndex> queue_of_vms, std::size_t begin) {
  if (ctx.xapi.master_term() != term || !in_pass_) {
    for (std::size_t i = begin; i < queue_of_vms.size(); ++i) vms_[queue_of_vms[i]].pending = false;
    return;
  }
  if (begin >= queue_of_vms.size()) return pass_done(m);
  // A group: the same order and the same class (protected VMs before best-effort ones).
  const auto group_of = [this](VmIndex v) {
    return std::pair{ctx.vm_config(v).priority != RestartPriority::restart, ctx.vm_config(v).order};
  };
  const auto group = group_of(queue_of_vms[begin]);
  std::size_t end = begin;
  Duration delay;
  while (end < queue_of_vms.size() && group_of(queue_of_vms[end]) == group) {
    const VmIndex v = queue_of_vms[end++];
    vms_[v].pending = false;
    if (ctx.db.vm(v).running || ctx.machines.instance(v).host) continue;  // started meanwhile (an operator's vm_start)
    if (try_start(m, v)) delay = std::max(delay, ctx.vm_config(v).start_delay);
  }
  if (delay == Duration::zero()) return start_group(m, term, std::move(queue_of_vms), end);
  ctx.queue.schedule_in(delay, Phase::decision, [this, m, term, queue_of_vms, end] {
    start_group(m, term, queue_of_vms, end);
  });
}

bool HaMonitor::try_start(HostIndex m, VmIndex v) {
  RestartState& state = vms_[v];
  const VmConfig& config = ctx.vm_config(v);
  const XapiDatabase& db = ctx.db;
  state.last_attempt = ctx.queue.now();
  const bool best_effort = config.priority == RestartPriority::best_effort;
  if (best_effort) --state.best_effort_owed;
  auto eligible = [this, m](HostIndex x) {
    return ctx.db.live[x] && ctx.xhad[m].liveset[x] && ctx.xhad[x].live();
  };
  std::optional<HostIndex> target;
  if (v < planned_host_.size() && planned_host_[v]) {
    const HostIndex planned = *planned_host_[v];
    const Machine& machine = ctx.machines[planned];
    if (machine.state == HostState::up && !machine.disabled && eligible(planned) &&
        db.free_memory(planned) >= config.memory) {
      target = planned;
    }
  }
  if (!target) target = ctx.db.choose_host(config.memory, eligible);  // a VM.start with no host
  const auto fail = [&](std::string_view reason) {
    ctx.publish(ctx.vm_source(v), Rec::vm_restart_failed, {{"reason", std::string(reason)}});
    if (best_effort && state.best_effort_owed == 0) {
      ctx.publish(ctx.vm_source(v), Rec::vm_left_down, {{"reason", "best_effort"}});
    }
    if (!best_effort && !state.alerted) {
      state.alerted = true;
      ctx.alert(Alert::ha_protected_vm_restart_failed, {{"vm", config.name}});
    }
    return false;
  };
  if (!target) return fail("no_capacity");
  if (ctx.plan.breaks_plan(m, ctx.plan.arriving(v, *target))) {
    // A protected VM's refusal marks the pool overcommitted; the start tried again at once meets the 120 s guard
    // and fails (docs/research/real-behaviour.md §5). A best-effort VM just fails.
    if (!best_effort) ctx.plan.mark_overcommitted(Planner(ctx.plan.planner_input(m)));
    return fail("would_break_failover_plan");
  }
  state.alerted = false;
  state.best_effort_owed = 0;
  ctx.publish(ctx.vm_source(v), Rec::vm_restart, {{"order", std::to_string(config.order)}, {"to", ctx.name(*target)}});
  ctx.xapi.start_vm(v, *target);
  return true;
}

}  // namespace poolsim::models
