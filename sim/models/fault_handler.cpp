// xhad's fault handler (xha daemon/sm.c fault_handler, rendezvous, test_Survival_Rule): fault_handler.hpp.
#include "fault_handler.hpp"

#include <algorithm>

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

void FaultHandler::init(std::size_t hosts) {
  runs_.assign(hosts, FaultHandlerRun{});
  last_hbd_.assign(hosts, std::vector<bool>(hosts, false));
  last_sfd_.assign(hosts, std::vector<bool>(hosts, false));
}

void FaultHandler::halt(HostIndex h) {
  // What h last wrote: its peers read these domains from its statefile slot and heartbeats until it leaves
  // their domains.
  for (HostIndex q = 0; q < ctx.n(); ++q) {
    last_hbd_[h][q] = in_view(h, q, Channel::network);
    last_sfd_[h][q] = in_view(h, q, Channel::statefile);
  }
  // Its daemon has just stopped, so the transport no longer counts it as hearing itself; until now it did, and
  // its last report says so.
  last_hbd_[h][h] = true;
  FaultHandlerRun& run = runs_[h];
  ctx.queue.cancel(run.event);
  run.phase = FaultHandlerPhase::idle;
  run.surviving_by_rule2 = false;
  run.requesting_fence = false;
  run.awaiting_reports = false;
  run.merged = false;
  run.extend = false;
  run.liveset_updated = false;
  release_rendezvous();  // a host at a rendezvous no longer waits for it
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
  release_rendezvous();  // a host at a rendezvous no longer waits for one that left its view
}

// xhad runs a fault handler to its end; a fault after phase 1 runs the handler again afterwards (sm.c: the state
// manager loop waits for the next event only once fault_handler() returns). So a stream of changes cannot hold a
// host in its handler past the survivors' phase-4 sleep. Phase 1 waits for the domains to be stable, so a loss
// then is part of this run: it may make them stable.
void FaultHandler::start(HostIndex h, std::optional<HostIndex> called_by) {
  FaultHandlerRun& run = runs_[h];
  if (run.phase == FaultHandlerPhase::waiting) {
    check_stable(h);
    return;
  }
  if (run.phase == FaultHandlerPhase::meeting) return;  // the leave already reached the rendezvous (left)
  if (run.phase != FaultHandlerPhase::idle) {
    run.rerun = true;
    return;
  }
  if (called_by) {
    ctx.publish(ctx.ha_source(h), Rec::fault_handler_started, {{"by", ctx.name(*called_by)}});
  } else {
    ctx.publish(ctx.ha_source(h), Rec::fault_handler_started);
  }
  run.start = ctx.queue.now();
  run.held_hbd.assign(ctx.n(), false);
  run.held_sfd.assign(ctx.n(), false);
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    run.held_hbd[p] = ctx.xhad.in_domain(h, p, Channel::network);
    run.held_sfd[p] = ctx.xhad.in_domain(h, p, Channel::statefile);
  }
  ctx.queue.cancel(run.event);
  run.phase = FaultHandlerPhase::waiting;
  call_peers(h);
  check_stable(h);
}

// The run's first heartbeats carry SM_PHASE_FHREADY, sent at once (sm.c wait_fh_event, then rendezvous into
// phase 1 with hb_send_hb_now). A live daemon outside a fault handler that receives one starts its own
// (heartbeat.c: need_fh on an FHREADY packet, start_fh(TRUE), sm.c force_requested in SM_PHASE_STARTED), and calls
// its own peers in turn. Only the network carries it; it reaches the peers within the instant, once the changes
// of the instant are applied.
void FaultHandler::call_peers(HostIndex h) {
  const std::uint64_t life = ctx.machines[h].life;
  ctx.queue.schedule_in(Duration::zero(), Phase::decision, [this, h, life] {
    if (ctx.machines[h].life != life || runs_[h].phase == FaultHandlerPhase::idle) return;
    for (HostIndex p = 0; p < ctx.n(); ++p) {
      if (p == h || !ctx.xhad[p].live() || runs_[p].phase != FaultHandlerPhase::idle) continue;
      if (ctx.transport->delivering(p, h, Channel::network)) start(p, h);
    }
  });
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
      // Stale: it leaves the domain (and this runs again), or its next heartbeat makes it fresh. A stopped
      // daemon leaves at its deadline, unless it starts again and is heard by then: recheck then too.
      const SimTime next = ctx.xhad[p].running()
                               ? grid_at_or_after(ctx.xhad[HeartbeatTransport::clock(h, p, c)].anchor,
                                                  transport.period(c), now, false)
                               : std::max(ctx.transport->link(h, p, c).deadline, now);
      if (!recheck || next < *recheck) recheck = next;
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
  // Met at the end of this instant, once every host that loses a peer now has started its handler.
  run.phase = FaultHandlerPhase::meeting;
  release_rendezvous();
}

// xhad's rendezvous (sm.c rendezvous, rendezvous_wait): a host that ends a phase sends its new phase at once
// (hb_send_hb_now) and waits until every running host of its liveset in its heartbeat domain (into phase 2, on
// the statefile too: in its statefile domain) has ended it as well; there is no timeout, and a host that falls
// silent leaves the domain after T. The heartbeats of a LAN make it in milliseconds, which poolsim does not
// model: the rendezvous is made at the instant the last of those hosts ends the phase. xhad waits for such a
// host whatever its phase; poolsim lets one that is idle or ahead go, as it is in no lock-step with h: it does
// not hear h (every host that does has been called into h's run, call_peers) or it runs another handler, and
// waiting for it would hold both for ever.
bool FaultHandler::held(HostIndex h) const {
  const FaultHandlerPhase at = runs_[h].phase;
  const bool on_statefile = at == FaultHandlerPhase::meeting;
  const std::vector<bool>& liveset = ctx.xhad[h].liveset;
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    if (p == h || !liveset[p] || !ctx.xhad[p].running()) continue;
    const FaultHandlerPhase peer = runs_[p].phase;
    if (peer == FaultHandlerPhase::idle || peer >= at) continue;
    if (in_view(h, p, Channel::network) || (on_statefile && in_view(h, p, Channel::statefile))) return true;
  }
  return false;
}

// The next phase after a rendezvous: phase 2 (FH1DONE), phase 3 (FH2DONE), phase 4 (FH3DONE), the end (FH4DONE).
void FaultHandler::pass_rendezvous(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  switch (run.phase) {
    case FaultHandlerPhase::meeting:
      start_agreeing(h);
      break;
    case FaultHandlerPhase::agreed:
      run.phase = FaultHandlerPhase::testing;
      run.tested = ctx.queue.now();
      survival_test(h);
      break;
    case FaultHandlerPhase::decided:
      sleep_before_update(h);
      break;
    case FaultHandlerPhase::ending: {
      const bool updated = run.liveset_updated;
      finish(h);
      if (updated) ctx.xapi.liveset_changed(h);
      break;
    }
    default:
      break;
  }
}

// At the end of this instant, the hosts whose rendezvous is made pass it, all of them from the phases they stood
// at together: so the hosts of one run end it together, and a run that one of them starts again at once (a loss
// during phases 2-4) calls the others into it, as xhad's do (the second half of the last rendezvous,
// SM_PHASE_STARTED, lets a peer that is already back in SM_PHASE_FHREADY go).
void FaultHandler::release_rendezvous() {
  if (release_pending_) return;
  release_pending_ = true;
  ctx.queue.schedule_in(Duration::zero(), Phase::decision, [this] {
    release_pending_ = false;
    std::vector<std::pair<HostIndex, FaultHandlerPhase>> free;
    while (true) {
      free.clear();
      for (HostIndex x = 0; x < ctx.n(); ++x) {
        const FaultHandlerPhase at = runs_[x].phase;
        const bool at_rendezvous = at == FaultHandlerPhase::meeting || at == FaultHandlerPhase::agreed ||
                                   at == FaultHandlerPhase::decided || at == FaultHandlerPhase::ending;
        if (at_rendezvous && ctx.xhad[x].running() && !held(x)) free.emplace_back(x, at);
      }
      if (free.empty()) return;
      for (const auto& [x, at] : free) {
        if (ctx.xhad[x].running() && runs_[x].phase == at) pass_rendezvous(x);
      }
    }
  });
}

// Phase 2: wait until every live host of h's domains reports the same domains; without agreement within
// max(T1, T2), merge the views (sm.c wait_until_all_hosts_have_consistent_view) and go on.
void FaultHandler::start_agreeing(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  run.phase = FaultHandlerPhase::agreeing;
  run.awaiting_reports = false;
  run.merged = false;
  const std::uint64_t life = ctx.machines[h].life;
  const HaTimers& ha = ctx.config.ha;
  ctx.queue.cancel(run.event);
  run.event = ctx.queue.schedule_in(std::max(ha.heartbeat_timeout, ha.statefile_timeout), Phase::decision,
                                    [this, h, life] {
                                      if (ctx.machines[h].life != life) return;
                                      take_stable_view(h);
                                      merge_views(h);
                                      runs_[h].phase = FaultHandlerPhase::agreed;
                                      release_rendezvous();
                                    });
  try_agree(h);
}

// Once the views agree, phase 2 ends: the rendezvous into phase 3 follows (sm.c fault_handler:
// rendezvous(SM_PHASE_FH2DONE, SM_PHASE_FH3, ...), on the heartbeat only).
void FaultHandler::try_agree(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  if (run.phase != FaultHandlerPhase::agreeing || !views_agree(h)) return;
  take_stable_view(h);
  ctx.queue.cancel(run.event);
  run.phase = FaultHandlerPhase::agreed;
  release_rendezvous();
}

// Whether every live host of h's heartbeat or statefile domain reports the same two domains as h, both within h's
// liveset (sm.c wait_until_all_hosts_have_consistent_view: a host h hears on the heartbeat and one it sees only on
// the statefile alike, so the two sides of a partition never agree and phase 2 runs to its timeout).
bool FaultHandler::views_agree(HostIndex h) const {
  const Xhad& xhad = ctx.xhad;
  const std::vector<bool>& liveset = xhad[h].liveset;
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    if (p == h || !liveset[p] || !xhad[p].running()) continue;
    if (!in_view(h, p, Channel::network) && !in_view(h, p, Channel::statefile)) continue;
    for (HostIndex q = 0; q < ctx.n(); ++q) {
      if (!liveset[q]) continue;
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

// Phase 2 timed out: xhad merges the views it holds (sm.c wait_until_all_hosts_have_consistent_view, after the
// timeout). Every host's report is taken within h's liveset; hosts whose report has an empty statefile domain
// leave h's statefile domain; hosts outside it leave every heartbeat domain; then, until the host with the
// smallest heartbeat domain hears all hosts not yet dropped, that host is dropped (get_partition_score: the
// smallest domain, and of equal ones the one whose lowest host has the highest index; the highest index first
// among equals). What is left is a clique of the heartbeat graph, the same on every host that reads the same
// reports; h's heartbeat domain becomes its row of it (empty if h was dropped).
void FaultHandler::merge_views(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  const Xhad& xhad = ctx.xhad;
  const std::size_t n = ctx.n();
  const std::vector<bool>& liveset = xhad[h].liveset;
  std::vector<std::vector<bool>> hb(n, std::vector<bool>(n, false)), sf(n, std::vector<bool>(n, false));
  for (HostIndex x = 0; x < n; ++x) {
    if (x == h) {
      hb[x] = run.stable_hbd;
      sf[x] = run.stable_sfd;
      continue;
    }
    if (!liveset[x]) continue;
    if (xhad[x].live()) {
      for (HostIndex q = 0; q < n; ++q) {
        hb[x][q] = liveset[q] && in_view(x, q, Channel::network);
        sf[x][q] = liveset[q] && in_view(x, q, Channel::statefile);
      }
    } else if (!xhad[x].running() && (in_view(h, x, Channel::network) || in_view(h, x, Channel::statefile))) {
      // A daemon that stopped while h still hears it: its last report stands. A joining one reports no liveset.
      for (HostIndex q = 0; q < n; ++q) {
        hb[x][q] = liveset[q] && last_hbd_[x][q];
        sf[x][q] = liveset[q] && last_sfd_[x][q];
      }
    }
  }
  std::vector<bool> my_sfd = run.stable_sfd;
  for (HostIndex x = 0; x < n; ++x) {
    if (x != h && std::none_of(sf[x].begin(), sf[x].end(), [](bool b) { return b; })) my_sfd[x] = false;
  }
  std::vector<bool> dropped(n, false);
  auto drop = [&](HostIndex x) {
    dropped[x] = true;
    hb[x].assign(n, false);
    for (HostIndex y = 0; y < n; ++y) hb[y][x] = false;
  };
  for (HostIndex x = 0; x < n; ++x) {
    if (!my_sfd[x]) drop(x);
  }
  while (true) {
    std::optional<HostIndex> selected;
    std::pair<std::size_t, std::size_t> minimum;
    for (HostIndex x = static_cast<HostIndex>(n); x-- > 0;) {
      if (dropped[x]) continue;
      std::size_t size = 0, lowest = n;
      for (HostIndex q = static_cast<HostIndex>(n); q-- > 0;) {
        if (!hb[x][q]) continue;
        ++size;
        lowest = q;
      }
      const std::pair<std::size_t, std::size_t> score{size, size == 0 ? 0 : n - lowest};
      if (!selected || score < minimum) {
        selected = x;
        minimum = score;
      }
    }
    bool all = true;
    for (HostIndex q = 0; q < n && all; ++q) all = dropped[q] || (selected && hb[*selected][q]);
    if (all) break;
    drop(*selected);
  }
  run.stable_hbd = hb[h];
  run.stable_sfd = my_sfd;
  sf[h] = my_sfd;
  run.merged = true;
  run.merged_hbd = std::move(hb);
  run.merged_sfd = std::move(sf);
}

// Whether x has not yet reported the partition of its current fault-handler run: it is in phase 1 or 2.
bool FaultHandler::report_pending(HostIndex x) const {
  const FaultHandlerRun& run = runs_[x];
  return ctx.xhad[x].running() && (run.phase == FaultHandlerPhase::waiting ||
                                   run.phase == FaultHandlerPhase::meeting || run.phase == FaultHandlerPhase::agreeing);
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
    // 1-2 is waited for, so that both sides of a partition compare the same reports. After a merge the reports
    // are those phase 2 merged.
    for (HostIndex x = 0; x < n && !run.merged; ++x) {
      if (x != h && sfd[x] && report_pending(x)) {
        run.awaiting_reports = true;
        return;
      }
    }
    std::optional<HostIndex> winner;
    bool with_winner = false;
    largest_partition(h, winner, with_winner);
    if (!with_winner) return ctx.machines.fence(h, fence_smaller_partition);
    rule = "largest_partition";
    for (HostIndex p = 0; p < n; ++p) remaining[p] = hbd[p] && sfd[p];
  } else {
    // Survival rule 2 (sm.c test_Survival_Rule): over every configured host, not only the liveset's: nobody on the
    // network still has the statefile, and every host off it is excluded (shut down cleanly, sf_set_excluded). A
    // host lost earlier by a crash or a fence is neither, so with it gone rule 2 fails for every host.
    // The reason names what the host saw at the end of phase 2: a peer it heard there with its own slot fresh
    // (even one a phase-2 merge then dropped: the host lost the statefile while others kept it), else the peers
    // it lost.
    bool fails = false, peer_has_it = false;
    for (HostIndex p = 0; p < n; ++p) {
      if (p == h) continue;
      peer_has_it = peer_has_it || run.stable_sf_access[p];
      fails = fails || (hbd[p] && run.stable_sf_access[p]) || (!hbd[p] && !xhad[p].excluded);
    }
    if (fails) {
      return ctx.machines.fence(h, peer_has_it ? fence_statefile_lost_peer_has_it : fence_statefile_and_peers_lost);
    }
    rule = "survival_rule_2";
    remaining = hbd;
    run.surviving_by_rule2 = true;
    ctx.statefile.stop_watchdog(h);
  }
  remaining[h] = true;  // a survivor keeps itself, whatever its own slot's age in the view
  run.extend = false;
  for (HostIndex p = 0; p < n; ++p) {
    // fh_sleep_extend: a host it removes is still in a live domain now.
    if (liveset[p] && !remaining[p] && (in_view(h, p, Channel::network) || in_view(h, p, Channel::statefile))) {
      run.extend = true;
    }
  }
  ctx.publish(ctx.ha_source(h), Rec::survived, {{"rule", rule}});
  run.proposed = std::move(remaining);
  run.phase = FaultHandlerPhase::decided;  // the rendezvous into phase 4 (SM_PHASE_FH3DONE)
  release_rendezvous();
}

// Phase 4, for a survivor whose proposed liveset drops hosts: set the fence request and sleep until the losers'
// watchdogs must have fired (sm.c fault_handler; docs/research/real-behaviour.md §4b): max(Wh, Ws) - min(T1, T2)
// + max(t1, t2), less the time since phase 3 began (the rendezvous into phase 4), plus min(T1, T2) when
// extended, at least FH_MINIMUM_SLEEP_BEFORE_FO = 10 s. At the derived timers: 15 s + max(t1, t2) (+ T).
void FaultHandler::sleep_before_update(HostIndex h) {
  FaultHandlerRun& run = runs_[h];
  const std::size_t n = ctx.n();
  bool degrading = false;
  for (HostIndex p = 0; p < n; ++p) degrading = degrading || (ctx.xhad[h].liveset[p] && !run.proposed[p]);
  if (!degrading) {
    run.phase = FaultHandlerPhase::ending;
    release_rendezvous();
    return;
  }
  const HaTimers& ha = ctx.config.ha;
  const Duration shortest_timeout = std::min(ha.heartbeat_timeout, ha.statefile_timeout);
  Duration sleep = std::max(ha.heartbeat_watchdog, ha.statefile_watchdog) - shortest_timeout +
                   std::max(ha.network_interval, ha.statefile_interval) - (ctx.queue.now() - run.tested);
  if (run.extend) sleep += shortest_timeout;
  sleep = std::max(sleep, Duration::seconds(10));
  run.phase = FaultHandlerPhase::sleeping;
  run.requesting_fence = true;
  for (HostIndex q = 0; q < n; ++q) {
    if (q != h) ctx.transport->schedule_fence_check(q, h);
  }
  const std::uint64_t life = ctx.machines[h].life;
  run.event = ctx.queue.schedule_in(sleep, Phase::decision, [this, h, life] {
    if (ctx.machines[h].life != life) return;
    FaultHandlerRun& slept = runs_[h];
    slept.requesting_fence = false;  // cancel_fence_request, once the liveset is updated
    std::vector<bool>& kept = ctx.xhad[h].liveset;
    std::vector<std::string> names;
    for (HostIndex p = 0; p < ctx.n(); ++p) {
      if (kept[p] && !slept.proposed[p]) {
        kept[p] = false;
        names.push_back(ctx.name(p));
      }
    }
    ctx.publish(ctx.ha_source(h), Rec::liveset_removed,
                {{"hosts", join_names(names)}, {"live", std::to_string(ctx.xhad.live_count(h))}});
    slept.liveset_updated = true;
    slept.phase = FaultHandlerPhase::ending;  // the rendezvous out of the handler (SM_PHASE_FH4DONE)
    release_rendezvous();
  });
}

// xhad's am_I_in_largest_partition: the partition of each host of h's statefile domain is the hosts in both
// domains of its report (h's own view for h); the strictly largest wins, the lowest index among equals. h wins if
// it is that host, or the winner reports h in both domains and h has the winner in both of its own.
void FaultHandler::largest_partition(HostIndex h, std::optional<HostIndex>& winner, bool& with_winner) const {
  const FaultHandlerRun& run = runs_[h];
  const std::vector<bool>& hbd = run.stable_hbd;
  const std::vector<bool>& sfd = run.stable_sfd;
  const std::size_t n = ctx.n();
  auto merged_size = [&](HostIndex x) {
    std::size_t size = 0;
    for (HostIndex q = 0; q < n; ++q) if (run.merged_hbd[x][q] && run.merged_sfd[x][q]) ++size;
    return size;
  };
  std::size_t best = 0;
  for (HostIndex x = 0; x < n; ++x) {
    if (!sfd[x]) continue;
    const std::size_t size = run.merged ? merged_size(x) : partition_of(x).size();
    if (size > best) {
      best = size;
      winner = x;
    }
  }
  if (!winner) return;
  if (*winner == h) {
    with_winner = true;
  } else if (run.merged) {
    with_winner = run.merged_hbd[*winner][h] && run.merged_sfd[*winner][h] && hbd[*winner] && sfd[*winner];
  } else {
    const std::vector<HostIndex> part = partition_of(*winner);
    with_winner = std::find(part.begin(), part.end(), h) != part.end() && hbd[*winner] && sfd[*winner];
  }
}

// Within its fault handler x's domains only shrink (xhad heartbeat.c update_hbdomain adds no host while join_block
// is set): past phase 2 it reports those it decides from that it still has, and in its phase-4 sleep those it
// proposed to keep that it still has (sm.c drops the removed hosts from its domains).
std::vector<HostIndex> FaultHandler::partition_of(HostIndex x) const {
  const FaultHandlerRun& run = runs_[x];
  const Xhad& xhad = ctx.xhad;
  const bool sleeping = run.requesting_fence;
  const bool decided = xhad[x].running() && (run.phase == FaultHandlerPhase::agreed ||
                                             run.phase == FaultHandlerPhase::testing ||
                                             run.phase == FaultHandlerPhase::decided);
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
  run.liveset_updated = false;
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
      if (ctx.xhad[x].running() && waiting.phase == FaultHandlerPhase::testing) survival_test(x);
    });
  }
}

}  // namespace poolsim::models
