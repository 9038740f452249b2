// The statefile: I/O outcomes, its watchdog and the master lock (xha daemon/statefile.c, lock_mgr.c):
// statefile.hpp.
#include "statefile.hpp"

#include <algorithm>

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

void Statefile::init(std::size_t hosts) {
  io_.assign(hosts, IoOutcome::completes);
  watchdog_.assign(hosts, EventHandle{});
}

void Statefile::read_initial() {
  if (!ctx.config.heartbeat_sr) return;
  for (HostIndex h = 0; h < ctx.n(); ++h) io_[h] = ctx.storage.io(*ctx.config.heartbeat_sr, h);
}

bool Statefile::writes(HostIndex h) const { return ctx.xhad[h].running() && io_[h] == IoOutcome::completes; }

void Statefile::stop_watchdog(HostIndex h) { ctx.queue.cancel(watchdog_[h]); }

void Statefile::release_lock(HostIndex h) {
  if (lock_holder_ == h) lock_holder_.reset();
}

void Statefile::storage_changed() {
  if (!ctx.config.heartbeat_sr) return;
  std::vector<HostIndex> hung;  // running daemons whose hung cycle now completes
  std::vector<HostIndex> failed_starts;  // starting daemons whose I/O fails
  bool changed = false;
  for (HostIndex h = 0; h < ctx.n(); ++h) {
    const IoOutcome io = ctx.storage.io(*ctx.config.heartbeat_sr, h);
    if (io == io_[h]) continue;
    const IoOutcome before = io_[h];
    io_[h] = io;
    Daemon& daemon = ctx.xhad[h];
    if (!daemon.running()) {
      if (daemon.awaiting_statefile && io == IoOutcome::completes) ctx.xhad.statefile_back(h);
      continue;
    }
    ctx.queue.cancel(watchdog_[h]);
    FaultHandlerRun& run = ctx.fault_handler[h];
    if (io == IoOutcome::hangs && !run.surviving_by_rule2) {
      // The statefile watchdog is set to Ws at the start of every cycle, before its I/O (xha statefile.c
      // sfthread: watchdog_set(sfvar.watchdog, _Ws)), so the cycle that hangs, the first at or after the hang,
      // arms it last; it fires Ws after that cycle began. An I/O error never fires it (each failed cycle re-arms).
      const SimTime hung_cycle = grid_at_or_after(daemon.anchor, ctx.config.ha.statefile_interval, ctx.queue.now(),
                                                  !ctx.transport->sent_now());
      const SimTime deadline = hung_cycle + ctx.config.ha.statefile_watchdog;
      const std::uint64_t life = ctx.machines[h].life;
      watchdog_[h] = ctx.queue.schedule_at(deadline, Phase::decision, [this, h, life] {
        if (ctx.machines[h].life == life && !ctx.fault_handler[h].surviving_by_rule2) {
          ctx.machines.fence(h, "statefile_watchdog");
        }
      });
    }
    if (io == IoOutcome::fails && daemon.joining()) failed_starts.push_back(h);
    if (io == IoOutcome::completes && before == IoOutcome::hangs) hung.push_back(h);
    if (io == IoOutcome::completes && before == IoOutcome::fails) read_at_next_cycle(h);
    if (io == IoOutcome::completes && before != IoOutcome::completes && run.surviving_by_rule2) {
      run.surviving_by_rule2 = false;
    }
    changed = true;
  }
  ctx.refresh();
  // The master's monitor reads every host's statefile access at its next loop (HA_STATEFILE_LOST).
  const std::optional<HostIndex> holder = lock_holder_;
  if (changed && holder && ctx.xapi[*holder].is_master && ctx.config.ha_enabled) ctx.monitor.wake(*holder);
  // After the refresh, which finds the peers still writing: each hung cycle's write goes through now, and its
  // read, which sees the slots that changed meanwhile, once this instant's writes are all done (xha statefile.c
  // sfthread: write_hostspecific, then the read).
  for (const HostIndex h : hung) ctx.transport->hung_write_completes(h);
  for (const HostIndex h : hung) read_after_this_instant(h);
  for (const HostIndex h : failed_starts) ctx.xhad.start_lost_statefile(h);
}

Statefile::PendingRead Statefile::pending_read(HostIndex h) const {
  return {h, ctx.machines[h].life, ctx.xhad[h].anchor};
}

// Not when the host or its daemon changed meanwhile: a new daemon reads only what is written from its start.
void Statefile::read_if_unchanged(const PendingRead& r) {
  const HostIndex h = r.host;
  if (ctx.machines[h].life == r.life && ctx.xhad[h].anchor == r.anchor && writes(h)) ctx.transport->reads_resumed(h);
}

void Statefile::read_after_this_instant(HostIndex h) {
  resumed_.push_back(pending_read(h));
  if (ctx.queue.pending(resumed_read_)) return;
  const Phase phase = std::max(ctx.queue.current_phase(), Phase::hardware);
  resumed_read_ = ctx.queue.schedule_at(ctx.queue.now(), phase, [this] {
    std::vector<PendingRead> reads;
    reads.swap(resumed_);
    for (const PendingRead& r : reads) read_if_unchanged(r);
  });
}

void Statefile::read_at_next_cycle(HostIndex h) {
  const SimTime next = grid_at_or_after(ctx.xhad[h].anchor, ctx.config.ha.statefile_interval, ctx.queue.now(),
                                        !ctx.transport->sent_now());
  ctx.queue.schedule_at(next, Phase::protocol, [this, r = pending_read(h)] { read_if_unchanged(r); });
}

}  // namespace poolsim::models
