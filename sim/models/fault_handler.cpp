#include "fault_handler.hpp"

#include <algorithm>

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

void FaultHandler::init(std::size_t hosts) { runs_.assign(hosts, FaultHandlerRun{}); }

void FaultHandler::halt(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  ctx.queue.cancel(run.event);
  run.phase = FaultHandlerPhase::idle;
  run.surviving_by_rule2 = false;
  run.requesting_fence = false;
  run.awaiting_reports = false;
}

bool FaultHandler::in_view(HostIndex h, HostIndex p, Channel c) const {
  if (!ctx.xhad.in_domain(h, p, c)) return false;
  const FaultHandlerRun& run = runs_[h];
  if (run.phase == FaultHandlerPhase::idle) return true;
  return c == Channel::network ? run.held_hbd[p] : run.held_sfd[p];
}

void FaultHandler::left(HostIndex h, HostIndex p, Channel c) {
  FaultHandlerRun& run = runs_[h];
  if (run.phase == FaultHandlerPhase::idle) return;
  (c == Channel::network ? run.held_hbd : run.held_sfd)[p] = false;
}

// xhad runs a fault handler to its end; a fault after phase 1 runs the handler again afterwards (sm.c: the state
// manager loop waits for the next event only once fault_handler() returns). So a stream of changes cannot hold a
// host in its handler past the survivors' phase-4 sleep. Phase 1 waits for the domains to be stable, so a loss
// then is part of this run: it may make them stable.
void FaultHandler::start(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  if (run.phase == FaultHandlerPhase::waiting) {
    check_stable(h);
    return;
  }
  if (run.phase != FaultHandlerPhase::idle) {
    run.rerun = true;
    return;
  }
  ctx.publish(ctx.ha_source(h), Rec::fault_handler_started);
  run.start = ctx.queue.now();
  run.held_hbd.assign(ctx.n(), false);
  run.held_sfd.assign(ctx.n(), false);
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    run.held_hbd[p] = ctx.xhad.in_domain(h, p, Channel::network);
    run.held_sfd[p] = ctx.xhad.in_domain(h, p, Channel::statefile);
  }
  ctx.queue.cancel(run.event);
  run.phase = FaultHandlerPhase::waiting;
  check_stable(h);
}

// Phase 1: wait until no peer in a domain is stale (xhad sm.c wait_until_HBSF_state_stable: its last update is more
// than T/4 old and older than the handler's start); its leave re-triggers this.
void FaultHandler::check_stable(HostIndex h) {
  const SimTime now = ctx.queue.now();
  const HeartbeatTransport& transport = *ctx.transport;
  bool stale = false;
  std::optional<SimTime> recheck;
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    for (const Channel c : {Channel::network, Channel::statefile}) {
      if (c == Channel::network && p == h) continue;
      if (!ctx.transport->link(h, p, c).in_domain) continue;
      const SimTime last = transport.last_heard(h, p, c);
      if (now <= last + transport.timeout(c) / 4 || last >= runs_[h].start) continue;
      stale = true;
      // Stale: it leaves the domain (and this runs again), or its next heartbeat makes it fresh.
      if (ctx.xhad[p].running()) {
        const SimTime next = grid_at_or_after(ctx.xhad[p].anchor, transport.period(c), now, false);
        if (!recheck || next < *recheck) recheck = next;
      }
    }
  }
  FaultHandlerRun& run = runs_[h];
  const std::uint64_t life = ctx.machines[h].life;
  if (stale) {
    ctx.queue.cancel(run.event);
    if (recheck) {
      run.event = ctx.queue.schedule_at(*recheck, Phase::decision, [this, h, life] {
        if (ctx.machines[h].life == life && runs_[h].phase == FaultHandlerPhase::waiting) check_stable(h);
      });
    }
    return;
  }
  // Phase 2: wait until every host in the heartbeat domain reports the same domains; without agreement within T,
  // go on with this host's own view (xhad merges the views then: research §4b).
  run.phase = FaultHandlerPhase::agreeing;
  run.agreed = false;
  run.awaiting_reports = false;
  // xhad waits max(T1, T2) for a consistent view (sm.c fault_handler).
  const HaTimers& ha = ctx.config.ha;
  run.event = ctx.queue.schedule_in(std::max(ha.heartbeat_timeout, ha.statefile_timeout), Phase::decision,
                                    [this, h, life] {
                                      if (ctx.machines[h].life != life) return;
                                      runs_[h].agreed = true;
                                      take_stable_view(h);
                                      survival_test(h);
                                    });
  try_agree(h);
}

// Once the views agree, phase 3 follows after one heartbeat round, the time for every host to have seen the
// others' agreement (docs/model.md).
void FaultHandler::try_agree(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  if (run.phase != FaultHandlerPhase::agreeing || run.agreed || !views_agree(h)) return;
  run.agreed = true;
  take_stable_view(h);
  ctx.queue.cancel(run.event);
  const std::uint64_t life = ctx.machines[h].life;
  const HaTimers& ha = ctx.config.ha;
  run.event = ctx.queue.schedule_in(std::max(ha.network_interval, ha.statefile_interval), Phase::decision,
                                    [this, h, life] {
                                      if (ctx.machines[h].life == life) survival_test(h);
                                    });
}

// Whether every live host h hears reports the same heartbeat and statefile domains as h.
bool FaultHandler::views_agree(HostIndex h) const {
  const Xhad& xhad = ctx.xhad;
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    if (p == h || !xhad[h].liveset[p] || !in_view(h, p, Channel::network) || !xhad[p].running()) continue;
    for (HostIndex q = 0; q < ctx.n(); ++q) {
      for (const Channel c : {Channel::network, Channel::statefile}) {
        if (in_view(p, q, c) != in_view(h, q, c)) return false;
      }
    }
  }
  return true;
}

// The end of phase 2: h's domains now are what phase 3 decides from, whatever changes during the rendezvous before
// it (xhad sm.c: wait_until_all_hosts_have_consistent_view copies them). The peers' reports are read at phase 3:
// by then each has written what it found at this instant (the rendezvous round).
void FaultHandler::take_stable_view(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  const Xhad& xhad = ctx.xhad;
  const std::size_t n = ctx.n();
  run.stable_hbd.assign(n, false);
  run.stable_sfd.assign(n, false);
  run.stable_sf_access.assign(n, false);
  for (HostIndex p = 0; p < n; ++p) {
    // A joining daemon is a new incarnation of its host: the liveset's entry for the old one has no domain.
    const bool counted = xhad[h].liveset[p] && (p == h || !xhad[p].joining());
    run.stable_hbd[p] = counted && in_view(h, p, Channel::network);
    run.stable_sfd[p] = counted && in_view(h, p, Channel::statefile);
    // What p's heartbeats say of its statefile access: its own slot in its statefile domain (sm.c
    // test_Survival_Rule reads phb->raw[p].sfdomain).
    run.stable_sf_access[p] = run.stable_hbd[p] && xhad[p].running() && in_view(p, p, Channel::statefile);
  }
  wake_deciders();  // a host whose phase 3 waited for this report decides again
}

// Whether x has not yet reported the partition of its current fault-handler run: it is in phase 1 or 2.
bool FaultHandler::report_pending(HostIndex x) const {
  const FaultHandlerRun& run = runs_[x];
  return ctx.xhad[x].running() &&
         (run.phase == FaultHandlerPhase::waiting || (run.phase == FaultHandlerPhase::agreeing && !run.agreed));
}

// Phase 3: xhad's test_Survival_Rule, on the view phase 2 ended with.
void FaultHandler::survival_test(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  const Xhad& xhad = ctx.xhad;
  const std::size_t n = ctx.n();
  const std::vector<bool>& hbd = run.stable_hbd;
  const std::vector<bool>& sfd = run.stable_sfd;
  const std::vector<bool>& liveset = xhad[h].liveset;
  std::vector<bool> remaining(n);
  bool sfd_empty = true, sfd_in_hbd = true;
  for (HostIndex p = 0; p < n; ++p) {
    if (sfd[p]) sfd_empty = false;
    if (sfd[p] && !hbd[p]) sfd_in_hbd = false;
  }
  std::string rule;
  if (!sfd_empty && sfd_in_hbd) {
    rule = "no_partition";
    remaining = sfd;
  } else if (!sfd_empty) {
    // The largest partition, each host's as it reports it on the statefile; ties to the lowest index. Every host
    // of the statefile domain takes part (phase 2's rendezvous runs on the statefile too): one still in its phases
    // 1-2 is waited for, so that both sides of a partition compare the same reports.
    for (HostIndex x = 0; x < n; ++x) {
      if (x != h && sfd[x] && report_pending(x)) {
        run.awaiting_reports = true;
        return;
      }
    }
    std::optional<HostIndex> winner;
    std::size_t best = 0;
    for (HostIndex x = 0; x < n; ++x) {
      if (!sfd[x]) continue;
      const std::size_t size = partition_of(x).size();
      if (size > best) {
        best = size;
        winner = x;
      }
    }
    // I win if I am the winner, or it reports me in both its domains and I have it in both of mine
    // (am_I_in_largest_partition).
    const std::vector<HostIndex> part = partition_of(*winner);
    const bool with_winner = *winner == h || (std::find(part.begin(), part.end(), h) != part.end() &&
                                              hbd[*winner] && sfd[*winner]);
    if (!with_winner) return fence_by_rule(h, "smaller_partition");
    rule = "largest_partition";
    for (HostIndex p = 0; p < n; ++p) remaining[p] = hbd[p] && sfd[p];
  } else {
    // Survival rule 2 (sm.c test_Survival_Rule): over every configured host, not only the liveset's: nobody on the
    // network still has the statefile, and every host off it is excluded (shut down cleanly, sf_set_excluded). A
    // host lost earlier by a crash or a fence is neither, so with it gone rule 2 fails for every host.
    for (HostIndex p = 0; p < n; ++p) {
      if (p == h) continue;
      if (hbd[p] && run.stable_sf_access[p]) return fence_by_rule(h, "statefile_lost_peer_has_it");
      if (!hbd[p] && !xhad[p].excluded) return fence_by_rule(h, "statefile_and_peers_lost");
    }
    rule = "survival_rule_2";
    remaining = hbd;
    run.surviving_by_rule2 = true;
    ctx.statefile.stop_watchdog(h);
  }
  remaining[h] = true;  // a survivor keeps itself, whatever its own slot's age in the view
  std::vector<std::string> removed;
  bool extend = false;
  for (HostIndex p = 0; p < n; ++p) {
    if (liveset[p] && !remaining[p]) {
      removed.push_back(ctx.name(p));
      // fh_sleep_extend: the removed host is still in a live domain now.
      if (in_view(h, p, Channel::network) || in_view(h, p, Channel::statefile)) extend = true;
    }
  }
  ctx.publish(ctx.ha_source(h), Rec::survived, {{"rule", rule}});
  if (removed.empty()) {
    finish(h);
    return;
  }
  // Phase 4: sleep until the losers' watchdogs must have fired (sm.c; docs/research/real-behaviour.md §4b):
  // max(Wh, Ws) - min(T1, T2) + max(t1, t2), plus min(T1, T2) when extended, at least
  // FH_MINIMUM_SLEEP_BEFORE_FO = 10 s. At the derived timers: 15 s + max(t1, t2) (+ T).
  const HaTimers& ha = ctx.config.ha;
  const Duration shortest_timeout = std::min(ha.heartbeat_timeout, ha.statefile_timeout);
  Duration sleep = std::max(ha.heartbeat_watchdog, ha.statefile_watchdog) - shortest_timeout +
                   std::max(ha.network_interval, ha.statefile_interval);
  if (extend) sleep += shortest_timeout;
  sleep = std::max(sleep, Duration::seconds(10));
  run.phase = FaultHandlerPhase::sleeping;
  run.requesting_fence = true;
  run.proposed = remaining;
  for (HostIndex q = 0; q < n; ++q) {
    if (q != h) ctx.transport->schedule_fence_check(q, h);
  }
  const std::uint64_t life = ctx.machines[h].life;
  run.event = ctx.queue.schedule_in(sleep, Phase::decision, [this, h, life, remaining] {
    if (ctx.machines[h].life != life) return;
    runs_[h].requesting_fence = false;  // cancel_fence_request, once the liveset is updated
    std::vector<bool>& kept = ctx.xhad[h].liveset;
    std::vector<std::string> names;
    for (HostIndex p = 0; p < ctx.n(); ++p) {
      if (kept[p] && !remaining[p]) {
        kept[p] = false;
        names.push_back(ctx.name(p));
      }
    }
    ctx.publish(ctx.ha_source(h), Rec::liveset_removed,
                {{"hosts", join_names(names)}, {"live", std::to_string(ctx.xhad.live_count(h))}});
    finish(h);
    ctx.xapi.liveset_changed(h);
  });
}

void FaultHandler::fence_by_rule(HostIndex h, std::string_view reason) {
  ctx.invariants.check_fence_justified(h);
  ctx.machines.fence(h, reason);
}

// Within its fault handler x's domains only shrink (xhad heartbeat.c update_hbdomain adds no host while join_block
// is set): past phase 2 it reports those it decides from that it still has, and in its phase-4 sleep those it
// proposed to keep that it still has (sm.c drops the removed hosts from its domains).
std::vector<HostIndex> FaultHandler::partition_of(HostIndex x) const {
  const FaultHandlerRun& run = runs_[x];
  const Xhad& xhad = ctx.xhad;
  const bool sleeping = run.requesting_fence;
  const bool decided = xhad[x].running() && run.phase == FaultHandlerPhase::agreeing && run.agreed;
  std::vector<HostIndex> part;
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    const bool live = xhad[x].liveset[p] && (p == x || !xhad[p].joining()) &&
                      in_view(x, p, Channel::network) && in_view(x, p, Channel::statefile);
    const bool kept = sleeping ? run.proposed[p] : !decided || (run.stable_hbd[p] && run.stable_sfd[p]);
    if (p == x || (live && kept)) part.push_back(p);
  }
  return part;
}

void FaultHandler::finish(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  const bool rerun = run.rerun;
  run.phase = FaultHandlerPhase::idle;
  run.rerun = false;
  // Joins held back during the handler; a loss that happened during the phase-4 sleep runs it again.
  ctx.xhad.domains_changed(h, rerun && ctx.xhad.liveset_host_missing(h));
}

// A host whose phase 3 waits for a statefile peer's report decides again once that peer has reported, or its
// daemon is gone (it reports nothing more); at this instant, after the change has been applied.
void FaultHandler::wake_deciders() {
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    if (!runs_[x].awaiting_reports) continue;
    const std::uint64_t life = ctx.machines[x].life;
    ctx.queue.schedule_in(Duration::zero(), Phase::decision, [this, x, life] {
      FaultHandlerRun& waiting = runs_[x];
      if (ctx.machines[x].life != life || !waiting.awaiting_reports) return;
      waiting.awaiting_reports = false;
      if (ctx.xhad[x].running() && waiting.phase == FaultHandlerPhase::agreeing) survival_test(x);
    });
  }
}

}  // namespace poolsim::models
