// xapi on each host: start, failures, master poll and election (xen-api ocaml/xapi/xapi_ha.ml, xapi_fuse.ml):
// xapi.hpp.
#include "xapi.hpp"

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

void Xapi::init(std::size_t hosts) { toolstacks_.assign(hosts, Toolstack{}); }

std::optional<HostIndex> Xapi::master() const {
  for (HostIndex h = 0; h < toolstacks_.size(); ++h) {
    if (toolstacks_[h].is_master) return h;
  }
  return std::nullopt;
}

void Xapi::set_initial_master(HostIndex m) {
  toolstacks_[m].is_master = true;
  ctx.statefile.take_lock(m);
  last_master = m;
}

void Xapi::start(HostIndex h) {
  Toolstack& xapi = toolstacks_[h];
  xapi.alive = true;
  xapi.anchor = ctx.queue.now();
  xapi.enabled_at = ctx.queue.now();  // a booted host enables itself once its xapi has started
  xapi.bond_error_raised = false;  // xapi's triggers start cleared
}

void Xapi::host_stopped(HostIndex h) {
  Toolstack& xapi = toolstacks_[h];
  xapi.alive = true;
  xapi.fault = ToolstackFault::none;
  xapi.enabled_at.reset();  // enabled again once its xapi starts
  if (xapi.is_master) {
    xapi.is_master = false;
    ++master_term_;
    ctx.monitor.stop();
  }
}

void Xapi::daemon_stopped(HostIndex h) {
  ctx.queue.cancel(toolstacks_[h].master_poll);
  ctx.queue.cancel(toolstacks_[h].bond_warning);
}

void Xapi::fail(HostIndex h, ToolstackFault fault) {
  Toolstack& xapi = toolstacks_[h];
  if (ctx.machines[h].state != HostState::up || !xapi.alive) return;
  xapi.alive = false;
  xapi.fault = fault;
  const Rec record = fault == ToolstackFault::hung      ? Rec::xapi_hung
                     : fault == ToolstackFault::crashed ? Rec::xapi_crashed
                                                        : Rec::xapi_disabled;
  ctx.publish(ctx.name(h), record);
  // The HA monitor is a thread of the master's xapi: a failed toolstack restarts no VM (xapi_ha_vm_failover.ml
  // runs in it and calls xapi's own API).
  if (xapi.is_master) ctx.monitor.stop();
  ctx.xapimon.changed(h);  // xhad's health check finds it (xapi_mon.hpp)
}

void Xapi::restore(HostIndex h) {
  if (toolstacks_[h].alive || ctx.machines[h].state != HostState::up) return;
  ctx.publish(ctx.name(h), Rec::xapi_restored);
  ctx.xapimon.restored(h);
  back(h);
}

void Xapi::restarted_by_xhad(HostIndex h) {
  if (toolstacks_[h].alive || ctx.machines[h].state != HostState::up) return;
  ctx.publish(ctx.ha_source(h), Rec::xapi_restarted);
  toolstacks_[h].anchor = ctx.queue.now();  // a new process: its loops' grids start now
  back(h);
}

// A new xapi process answers: it enables its host and reads the bonding warning; a master's starts a new monitor.
void Xapi::back(HostIndex h) {
  Toolstack& xapi = toolstacks_[h];
  xapi.alive = true;
  xapi.fault = ToolstackFault::none;
  xapi.enabled_at = ctx.queue.now();  // its new xapi enables the host again
  schedule_bond_warning(h);
  schedule_master_poll(h);  // its liveset loop runs again: a master gone meanwhile is found at its next poll
  sync_with_master();
  // A master's xapi that starts again still holds the lock (on_server_restart: propose_master) and starts a new
  // monitor, which waits for the hosts: they re-enable themselves once they have restarted with it (assumed one
  // fuse later, as when they follow a new master).
  if (xapi.is_master && ctx.config.ha_enabled && ctx.xhad[h].running()) {
    for (HostIndex s = 0; s < ctx.n(); ++s) {
      if (s != h && toolstacks_[s].alive) toolstacks_[s].enabled_at = ctx.queue.now() + ctx.config.xapi.become_master_delay;
    }
    ctx.monitor.start_thread(h);
  }
}

// A slave's xapi polls the liveset every master_poll_interval (its grid from xapi's start). Only a poll that finds
// the master gone does anything, so only that poll is scheduled: when the liveset loses the master.
void Xapi::schedule_master_poll(HostIndex h) {
  Toolstack& xapi = toolstacks_[h];
  const Daemon& daemon = ctx.xhad[h];
  if (!ctx.config.ha_enabled || !daemon.live() || xapi.is_master || ctx.queue.pending(xapi.master_poll)) return;
  const std::optional<HostIndex> holder = ctx.statefile.lock_holder();
  if (holder && daemon.liveset[*holder]) return;
  const SimTime next = grid_at_or_after(xapi.anchor, ctx.config.xapi.master_poll_interval, ctx.queue.now(), false);
  const std::uint64_t life = ctx.machines[h].life;
  xapi.master_poll_at = next;
  xapi.master_poll = ctx.queue.schedule_at(next, Phase::decision, [this, h, life] {
    if (ctx.machines[h].life == life) master_poll(h);
  });
}

// The slave proposes itself for the master lock on the statefile (xapi on_master_failure; xha ha_propose_master).
// Proposals at one instant are granted to the lowest index first.
void Xapi::master_poll(HostIndex h) {
  Toolstack& xapi = toolstacks_[h];
  const Daemon& daemon = ctx.xhad[h];
  if (!daemon.live() || xapi.is_master || !xapi.alive) return;
  const std::optional<HostIndex> holder = ctx.statefile.lock_holder();
  if (holder && daemon.liveset[*holder]) return;
  if (!ctx.fault_handler.idle(h)) {
    schedule_master_poll(h);  // the liveset is being decided: poll again next time
    return;
  }
  // Proposals at one instant: the lowest index is granted the lock, whatever order the polls run in.
  for (HostIndex x = 0; x < h; ++x) {
    if (ctx.queue.pending(toolstacks_[x].master_poll) && toolstacks_[x].master_poll_at == ctx.queue.now()) {
      schedule_master_poll(h);
      return;
    }
  }
  const std::optional<HostIndex> before = last_master;
  ctx.statefile.take_lock(h);
  last_master = h;
  xapi.is_master = true;
  ++master_term_;
  ctx.publish("pool", Rec::master_changed, {{"from", before ? ctx.name(*before) : std::string("none")}, {"to", ctx.name(h)}});
  hosts_follow_new_master(h);
  // Xapi_pool_transition.become_master lights the fuse: xapi restarts as master.
  const std::uint64_t term = master_term_;
  ctx.queue.schedule_in(ctx.config.xapi.become_master_delay, Phase::decision, [this, h, term] {
    if (master_term_ == term) restart_as_master(h);
  });
}

// The other hosts learn of the new master at their own monitor loop's next wakeup (process_liveset_on_slave finds
// their master gone, their proposal fails, the liveset names the new one: become_slave_of), the one at this instant
// included, and restart their xapi one fuse later (become_another_masters_slave); then they enable themselves.
void Xapi::hosts_follow_new_master(HostIndex m) {
  const Duration fuse = ctx.config.xapi.become_master_delay;
  for (HostIndex s = 0; s < ctx.n(); ++s) {
    Toolstack& slave = toolstacks_[s];
    if (s == m) continue;
    if (!slave.alive || ctx.machines[s].state != HostState::up) {
      slave.enabled_at.reset();  // it enables itself when its xapi starts again
      continue;
    }
    SimTime learns = ctx.queue.now();
    if (ctx.xhad[s].live()) learns = grid_at_or_after(slave.anchor, ctx.config.xapi.master_poll_interval, learns, true);
    slave.enabled_at = learns + fuse;
    slave.anchor = learns + fuse;
    if (ctx.machines[s].disabled) {
      // An operator's Host.disable lives in xapi's memory (xapi_host_helpers.ml user_requested_host_disable: "to
      // prevent a master restart making us bounce back"), so the restarted xapi enables its host again
      // (consider_enabling_host): the host leaves maintenance.
      const std::uint64_t life = ctx.machines[s].life;
      ctx.queue.schedule_at(learns + fuse, Phase::decision, [this, s, life] {
        Machine& machine = ctx.machines[s];
        if (machine.life != life || !machine.disabled) return;
        machine.disabled = false;
        machine.in_maintenance = false;
        ctx.publish(ctx.name(s), Rec::maintenance_exited);
        ctx.plan.operation_done(true);
      });
    }
  }
}

// The new master's xapi starts: it raises POOL_MASTER_TRANSITION (xapi_pool_transition.ml consider_sending_alert,
// at startup), enables itself, and starts its HA monitor, which first waits for the hosts.
void Xapi::restart_as_master(HostIndex h) {
  Toolstack& xapi = toolstacks_[h];
  xapi.anchor = ctx.queue.now();
  xapi.enabled_at = ctx.queue.now();
  ctx.alert(Alert::pool_master_transition, {{"host", ctx.name(h)}});
  ctx.mpathalert.master_started(h);
  if (ctx.config.ha_enabled && ctx.xhad[h].running()) ctx.monitor.start_thread(h);
  sync_with_master();
}

void Xapi::liveset_changed(HostIndex h) {
  schedule_master_poll(h);
  if (toolstacks_[h].is_master) ctx.plan.out_of_date = true;  // "Liveset looks different; ... rerun the planner"
  if (toolstacks_[h].is_master && ctx.config.ha_enabled) ctx.monitor.wake(h);
}

// xapi on a host that boots: VMs the database still has running there are not, so they are marked halted (xapi's
// power-state resync); the master's monitor then restarts the protected ones.
void Xapi::resync_vms(HostIndex h) {
  bool any = false;
  for (VmIndex v = 0; v < ctx.vm_count(); ++v) {
    VmRecord& record = ctx.db.vm(v);
    if (record.host != h || !record.running || ctx.machines.instance(v).host == h) continue;
    record.running = false;
    record.host.reset();
    if (ctx.vm_config(v).priority == RestartPriority::best_effort) {
      ctx.monitor.vm(v).best_effort_owed = HaMonitor::best_effort_attempts;
    }
    ctx.publish(ctx.vm_source(v), Rec::vm_halted, {{"host", ctx.name(h)}, {"reason", "host_restarted"}});
    any = true;
  }
  const std::optional<HostIndex> holder = ctx.statefile.lock_holder();
  if (any && holder && toolstacks_[*holder].is_master) liveset_changed(*holder);
}

// xapi's HA monitor loop (every monitor_interval from xapi's start, on every host) reads xhad's bonding warning
// and raises HA_NETWORK_BONDING_ERROR when it turns on (edge-triggered; xapi_ha.ml).
void Xapi::schedule_bond_warning(HostIndex h) {
  Toolstack& xapi = toolstacks_[h];
  const bool error = ctx.xhad[h].bond_error;
  if (ctx.queue.pending(xapi.bond_warning) || error == xapi.bond_error_raised) return;
  const SimTime next = grid_at_or_after(xapi.anchor, ctx.config.xapi.monitor_interval, ctx.queue.now(), true);
  const std::uint64_t life = ctx.machines[h].life;
  xapi.bond_warning = ctx.queue.schedule_at(next, Phase::decision, [this, h, life] {
    Toolstack& read = toolstacks_[h];
    const Daemon& daemon = ctx.xhad[h];
    if (ctx.machines[h].life != life || !daemon.running() || !read.alive) return;
    if (daemon.bond_error && !read.bond_error_raised) ctx.alert(Alert::ha_network_bonding_error, {{"host", ctx.name(h)}});
    read.bond_error_raised = daemon.bond_error;
  });
}

// dbsync_slave runs Xapi_host_crashdump.resynchronise once the host's xapi talks to the master's database: a host
// cut off from the master (or with no master) raises its alert only once it reaches one.
void Xapi::await_master_sync(HostIndex h) {
  Machine& machine = ctx.machines[h];
  if (!machine.fence_alert_pending) ++awaiting_sync_;
  machine.fence_alert_pending = true;
}

void Xapi::sync_with_master() {
  if (awaiting_sync_ == 0) return;
  const std::optional<HostIndex> m = master();
  if (!m || !toolstacks_[*m].alive) return;
  for (HostIndex h = 0; h < ctx.n(); ++h) {
    Machine& machine = ctx.machines[h];
    if (!machine.fence_alert_pending || machine.state != HostState::up || !toolstacks_[h].alive) continue;
    if (h != *m && !ctx.reaches(h, *m)) continue;
    machine.fence_alert_pending = false;
    --awaiting_sync_;
    if (ctx.config.ha_enabled) ctx.alert(Alert::ha_host_was_fenced, {{"host", ctx.name(h)}});
  }
}

void Xapi::start_vm(VmIndex v, HostIndex host) {
  VmRecord& record = ctx.db.vm(v);
  record.host = host;
  record.running = true;
  ctx.machines.boot_vm(v, host);
}

}  // namespace poolsim::models
