// xhad, the HA daemon on each host (xha daemon/sm.c, heartbeat.c, bond_mon.c): xhad.hpp.
#include "xhad.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>

#include "grid.hpp"
#include "pool_context.hpp"

namespace poolsim::models {

void Xhad::init(std::size_t hosts) {
  daemons_.assign(hosts, Daemon{});
  for (Daemon& d : daemons_) d.liveset.assign(hosts, false);
}

bool Xhad::in_domain(HostIndex observer, HostIndex peer, Channel c) const {
  return ctx.transport->in_domain(observer, peer, c);
}

std::size_t Xhad::live_count(HostIndex h) const {
  const std::vector<bool>& liveset = daemons_[h].liveset;
  return static_cast<std::size_t>(std::count(liveset.begin(), liveset.end(), true));
}

bool Xhad::liveset_host_missing(HostIndex h) const {
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    if (daemons_[h].liveset[p] && (!in_domain(h, p, Channel::network) || !in_domain(h, p, Channel::statefile))) {
      return true;
    }
  }
  return false;
}

void Xhad::start_all_daemons() {
  for (HostIndex h = 0; h < ctx.n(); ++h) {
    Daemon& d = daemons_[h];
    d.state = DaemonState::live;
    d.excluded = false;
    d.anchor = ctx.queue.now();
    d.liveset.assign(ctx.n(), true);
    // xhad's bond monitor starts afresh, and so does xapi's HA monitor with its cleared triggers.
    d.bond_error = false;
    ctx.xapi[h].bond_error_raised = false;
    schedule_bond_check(h);
    ctx.xapimon.daemon_started(h);
    ctx.xapimon.changed(h);
  }
}

void Xhad::start(HostIndex h) {
  Daemon& d = daemons_[h];
  d.awaiting_statefile = false;
  if (!ctx.config.ha_enabled) return;
  if (ctx.config.heartbeat_sr && ctx.statefile.io(h) != IoOutcome::completes) {
    d.awaiting_statefile = true;
    d.start_failed_at = ctx.queue.now();
    ctx.publish(ctx.ha_source(h), Rec::join_aborted, {{"reason", "statefile_unreachable"}});
    return;
  }
  d.state = DaemonState::joining;
  d.join_failed = false;
  d.anchor = ctx.queue.now();
  d.liveset.assign(ctx.n(), false);
  d.liveset[h] = true;
  ctx.fault_handler[h].phase = FaultHandlerPhase::idle;
  ctx.fault_handler[h].surviving_by_rule2 = false;
  d.down_recognized = false;
  d.heartbeat_wait_over = d.statefile_wait_over = false;
  d.heartbeat_timed_out = d.statefile_timed_out = false;
  const std::uint64_t life = ctx.machines[h].life;
  const SimTime anchor = d.anchor;
  const auto this_start = [this, h, life, anchor] {
    return ctx.machines[h].life == life && daemons_[h].joining() && daemons_[h].anchor == anchor;
  };
  // The waits for every configured host end at T1 and T2 from the start at the latest (sm.c sm()).
  ctx.queue.schedule_in(ctx.config.ha.heartbeat_timeout, Phase::decision, [this, h, this_start] {
    if (!this_start()) return;
    daemons_[h].heartbeat_timed_out = true;
    check_joins();
  });
  ctx.queue.schedule_in(ctx.config.ha.statefile_timeout, Phase::decision, [this, h, this_start] {
    if (!this_start()) return;
    daemons_[h].statefile_timed_out = true;
    check_joins();
  });
  d.join_timeout = ctx.queue.schedule_in(ctx.config.ha.join_timeout, Phase::decision, [this, h, this_start] {
    if (this_start()) join_timed_out(h);
  });
  ctx.publish(ctx.ha_source(h), Rec::daemon_started);
  ctx.xapimon.daemon_started(h);
  d.bond_error = false;  // xhad's bond monitor starts with the daemon; xapi's trigger lives on with xapi
  schedule_bond_check(h);
  ctx.transport->start_beats(h);
  ctx.refresh();
  // Live hosts that still count the old incarnation as live learn from its heartbeats that it restarted: that is
  // a failure of the old one, which their fault handlers remove.
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    if (x != h && daemons_[x].live() && daemons_[x].liveset[h]) ctx.fault_handler.start(x);
  }
  // A phase 1 that waits for the old incarnation's stale entry rechecks at the new one's first heartbeat.
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    if (x != h && ctx.fault_handler[x].phase == FaultHandlerPhase::waiting) ctx.fault_handler.check_stable(x);
  }
  check_joins();
}

void Xhad::stop(HostIndex h) {
  halt(h);
  ctx.statefile.release_lock(h);
  ctx.refresh();
  ctx.fault_handler.wake_deciders();
}

void Xhad::halt(HostIndex h) {
  Daemon& d = daemons_[h];
  d.state = DaemonState::stopped;
  ctx.transport->stop_beats(h);
  ctx.statefile.stop_watchdog(h);
  ctx.fault_handler.halt(h);
  ctx.xapi.daemon_stopped(h);
  ctx.queue.cancel(d.join_timeout);
  ctx.queue.cancel(d.bond_check);
  ctx.xapimon.daemon_stopped(h);
  ctx.transport->reset_links(h);
}

// xapi's retries of a daemon that could not reach the statefile (MTC_EXIT_CAN_NOT_ACCESS_STATEFILE, every
// join_retry_interval): each one fails while the I/O does not complete, so only the first retry after the
// statefile is back is scheduled.
void Xhad::statefile_back(HostIndex h) {
  Daemon& d = daemons_[h];
  if (!d.awaiting_statefile || ctx.queue.pending(d.start_retry)) return;
  const Duration every = ctx.config.xapi.join_retry_interval;
  const SimTime at = grid_at_or_after(d.start_failed_at, every, std::max(ctx.queue.now(), d.start_failed_at + every), true);
  const std::uint64_t life = ctx.machines[h].life;
  d.start_retry = ctx.queue.schedule_at(at, Phase::decision, [this, h, life] {
    Daemon& waiting = daemons_[h];
    if (ctx.machines[h].life != life || !waiting.awaiting_statefile) return;
    if (ctx.statefile.io(h) == IoOutcome::completes) start(h);  // else the I/O failed again meanwhile
  });
}

void Xhad::retry_failed_joins() {
  for (HostIndex h = 0; h < ctx.n(); ++h) {
    if (daemons_[h].join_failed && ctx.machines[h].state == HostState::up && !daemons_[h].running()) start(h);
  }
}

void Xhad::found(HostIndex h, HostIndex p, Channel c, bool enter) {
  changes_.push_back({h, p, c, enter});
  schedule_settle();
}

void Xhad::schedule_settle() {
  if (!ctx.queue.pending(settle_event_)) {
    settle_event_ = ctx.queue.schedule_in(Duration::zero(), Phase::settle, [this] { settle(); });
  }
}

// heartbeat.c: the request is set, w is in its own liveset, q is not in w's proposed liveset; q's fencing is
// armed: its daemon runs and has joined.
bool Xhad::fence_requested(HostIndex q, HostIndex w) const {
  const FaultHandlerRun& requester = ctx.fault_handler[w];
  return requester.requesting_fence && !requester.proposed[q] && daemons_[q].live();
}

void Xhad::hear_fence_request(HostIndex q) {
  fence_requests_.push_back(q);
  schedule_settle();
}

// Applies the instant's changes sorted by (observer, peer, channel); a link found both entering and leaving ends
// as the last finding says, and one that ends as it began records nothing.
void Xhad::settle() {
  // Fence requests heard at this instant first, lowest host first: the hosts fence before the domain changes.
  std::vector<HostIndex> fenced;
  fenced.swap(fence_requests_);
  std::sort(fenced.begin(), fenced.end());
  fenced.erase(std::unique(fenced.begin(), fenced.end()), fenced.end());
  for (const HostIndex q : fenced) {
    if (daemons_[q].live()) ctx.machines.fence(q, "fence_requested");
  }
  std::vector<DomainChange> batch;
  batch.swap(changes_);
  std::stable_sort(batch.begin(), batch.end(), [](const DomainChange& a, const DomainChange& b) {
    return std::tie(a.observer, a.peer, a.channel) < std::tie(b.observer, b.peer, b.channel);
  });
  // Each observer's changes of the instant are applied together, then its daemon acts on them once: a fault
  // handler that starts now holds the domains as they stand after all of them (its join_block keeps out only
  // hosts that enter later).
  std::size_t i = 0;
  while (i < batch.size()) {
    const HostIndex observer = batch[i].observer;
    bool changed = false, lost = false;
    for (; i < batch.size() && batch[i].observer == observer; ++i) {
      const DomainChange& d = batch[i];
      if (i + 1 < batch.size() && batch[i + 1].observer == d.observer && batch[i + 1].peer == d.peer &&
          batch[i + 1].channel == d.channel) {
        continue;
      }
      Link& l = ctx.transport->link(d.observer, d.peer, d.channel);
      if (!daemons_[d.observer].running() || l.in_domain == d.enter) continue;
      l.in_domain = d.enter;
      if (!d.enter) ctx.fault_handler.left(d.observer, d.peer, d.channel);
      ctx.publish(ctx.ha_source(d.observer), d.enter ? Rec::peer_seen : Rec::peer_lost,
                  {{"channel", std::string(to_token(d.channel))}, {"peer", ctx.name(d.peer)}});
      if (!d.enter && d.observer == d.peer && d.channel == Channel::statefile && daemons_[d.observer].joining()) {
        // sm.c update_sfdomain_sub: its own slot stale for T2 (a hung I/O) clears SF_access, and
        // test_Start_Criteria returns MTC_ERROR_SM_NOSTATEFILE: the start aborts, and xapi starts the daemon
        // again once the statefile is back.
        abort_start(d.observer);
        continue;
      }
      changed = true;
      lost = lost || (!d.enter && daemons_[d.observer].liveset[d.peer]);
    }
    if (changed && daemons_[observer].running()) domains_changed(observer, lost);
  }
  for (HostIndex h = 0; h < ctx.n(); ++h) ctx.fault_handler.try_agree(h);
}

void Xhad::domains_changed(HostIndex h, bool lost) {
  Daemon& d = daemons_[h];
  if (!d.running()) return;
  if (d.joining()) lost = false;  // a joining daemon has no liveset to defend yet
  // A live host in both domains that this one does not count as live is added at once; a joining host is added
  // by every live host together when its join completes (check_joins).
  std::vector<std::string> joined;
  for (HostIndex p = 0; p < ctx.n() && !d.joining(); ++p) {
    if (!d.liveset[p] && in_domain(h, p, Channel::network) && in_domain(h, p, Channel::statefile) &&
        ctx.fault_handler.idle(h) && daemons_[p].live()) {
      d.liveset[p] = true;
      joined.push_back(ctx.name(p));
    }
  }
  if (!joined.empty()) {
    ctx.publish(ctx.ha_source(h), Rec::liveset_joined,
                {{"hosts", join_names(joined)}, {"live", std::to_string(live_count(h))}});
    ctx.xapi.liveset_changed(h);
  }
  check_joins();
  if (lost) {
    ctx.fault_handler.start(h);
  } else if (ctx.fault_handler[h].phase == FaultHandlerPhase::waiting) {
    ctx.fault_handler.check_stable(h);  // a stale peer may just have left
  }
}

// The liveset the statefile holds for a joiner: the live hosts' livesets merged, the joiner left out.
std::vector<bool> Xhad::live_view(HostIndex j) const {
  std::vector<bool> view(ctx.n(), false);
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    if (x == j || !daemons_[x].live()) continue;
    for (HostIndex y = 0; y < ctx.n(); ++y) {
      if (y != j && daemons_[x].liveset[y]) view[y] = true;
    }
  }
  return view;
}

// Tboot (the join timeout) from the daemon's start. A host that sees no liveset (test_Start_Criteria's empty
// liveset) forms one of its own then if it is in the largest partition (am_I_in_largest_partition): itself and
// the hosts it hears that are starting too and past their waits (hbdomain - notjoining). Otherwise the join has
// failed (MTC_ERROR_SM_JOIN_FAILED, MTC_ERROR_SM_BOOT_FAILED) and xapi starts the daemon again
// join_retry_interval later (xapi_ha.ml on_server_restart).
void Xhad::join_timed_out(HostIndex h) {
  if (start_lost_statefile(h)) return;
  std::string_view reason = "not_accepted_by_live_hosts";
  update_start_progress();
  if (at_start_criteria(h) && no_liveset_seen(h)) {
    // An excluded host (shut down cleanly) forms no liveset while any other host is not excluded
    // (MTC_ERROR_SM_BOOT_BLOCKED_BY_EXCLUDED).
    bool others_excluded = true;
    for (HostIndex x = 0; x < ctx.n() && others_excluded; ++x) others_excluded = x == h || daemons_[x].excluded;
    if (daemons_[h].excluded && !others_excluded) {
      reason = "blocked_by_excluded";
    } else if (!in_largest_partition(h)) {
      reason = "not_in_largest_partition";
    } else {
      std::vector<HostIndex> members{h};
      for (HostIndex x = 0; x < ctx.n(); ++x) {
        if (x != h && in_domain(h, x, Channel::network) && at_start_criteria(x) && statefile_reachable(x)) {
          members.push_back(x);
        }
      }
      std::sort(members.begin(), members.end());
      form_liveset(members);
      return;
    }
  }
  ctx.publish(ctx.ha_source(h), Rec::join_failed, {{"reason", std::string(reason)}});
  stop(h);
  daemons_[h].join_failed = true;
  const std::uint64_t life = ctx.machines[h].life;
  ctx.queue.schedule_in(ctx.config.xapi.join_retry_interval, Phase::decision, [this, h, life] {
    if (ctx.machines[h].life == life) retry_failed_joins();
  });
}

bool Xhad::statefile_reachable(HostIndex h) const {
  return !ctx.config.heartbeat_sr || ctx.statefile.io(h) == IoOutcome::completes;
}

// A starting daemon without statefile access gives up (test_Start_Criteria, MTC_ERROR_SM_NOSTATEFILE) and xapi
// starts it again once the I/O completes, as when it could not reach the statefile at its start. A hung I/O
// counts the same here: its reads are stale, and it forms or joins nothing on them.
bool Xhad::start_lost_statefile(HostIndex h) {
  if (!daemons_[h].joining() || statefile_reachable(h)) return false;
  abort_start(h);
  return true;
}

void Xhad::abort_start(HostIndex h) {
  Daemon& d = daemons_[h];
  ctx.publish(ctx.ha_source(h), Rec::join_aborted, {{"reason", "statefile_unreachable"}});
  stop(h);
  d.awaiting_statefile = true;
  d.start_failed_at = ctx.queue.now();
  if (statefile_reachable(h)) statefile_back(h);  // its I/O completes again already: the next retry starts it
}

// Whether every other configured host is in j's heartbeat domain, and in its statefile domain.
bool Xhad::hears_every_host(HostIndex j) const {
  for (HostIndex p = 0; p < ctx.n(); ++p) {
    if (p != j && (!in_domain(j, p, Channel::network) || !in_domain(j, p, Channel::statefile))) return false;
  }
  return true;
}

// The start's waits (sm.c sm()): first until every configured host is in the heartbeat domain or T1 from the
// start has passed (wait_all_hosts_up_on_heartbeat), then the same on the statefile with T2
// (wait_all_hosts_up_on_statefile). With every host up they end at once; with one down they last T1 (or T2).
bool Xhad::start_waits_over(HostIndex j) {
  Daemon& d = daemons_[j];
  const auto all_in = [this, j](Channel c) {
    for (HostIndex p = 0; p < ctx.n(); ++p) {
      if (p != j && !in_domain(j, p, c)) return false;
    }
    return true;
  };
  if (!d.heartbeat_wait_over) d.heartbeat_wait_over = d.heartbeat_timed_out || all_in(Channel::network);
  if (d.heartbeat_wait_over && !d.statefile_wait_over) {
    d.statefile_wait_over = d.statefile_timed_out || all_in(Channel::statefile);
  }
  return d.statefile_wait_over;
}

// Every joining daemon's progress through its start: the waits, then wait_all_hosts_recognize_I_was_down (every
// live host has it out of its liveset).
void Xhad::update_start_progress() {
  for (HostIndex j = 0; j < ctx.n(); ++j) {
    Daemon& d = daemons_[j];
    if (!d.joining() || !start_waits_over(j) || d.down_recognized) continue;
    bool recognized = true;
    for (HostIndex x = 0; x < ctx.n() && recognized; ++x) {
      recognized = x == j || !daemons_[x].live() || !daemons_[x].liveset[j];
    }
    d.down_recognized = recognized;
  }
}

// A joining daemon past its waits and past wait_all_hosts_recognize_I_was_down: it runs test_Start_Criteria.
bool Xhad::at_start_criteria(HostIndex j) const {
  const Daemon& d = daemons_[j];
  return d.joining() && d.statefile_wait_over && d.down_recognized;
}

// test_Start_Criteria's empty liveset: no host on j's statefile has started (sfdomain - starting is empty).
bool Xhad::no_liveset_seen(HostIndex j) const {
  for (HostIndex x = 0; x < ctx.n(); ++x) {
    if (x != j && daemons_[x].live() && in_domain(j, x, Channel::statefile)) return false;
  }
  return true;
}

// am_I_in_largest_partition on j's current domains: the partition of each host of j's statefile domain is the
// hosts in both its domains; the strictly largest wins, the lowest index among equals; j is in it if it is that
// host, or they have each other in both domains.
bool Xhad::in_largest_partition(HostIndex j) const {
  const std::size_t n = ctx.n();
  // Every host is in its own domains.
  const auto in_domain = [this](HostIndex a, HostIndex b, Channel c) { return a == b || this->in_domain(a, b, c); };
  std::optional<HostIndex> winner;
  std::size_t best = 0;
  for (HostIndex x = 0; x < n; ++x) {
    if (!in_domain(j, x, Channel::statefile)) continue;
    std::size_t size = 0;
    for (HostIndex q = 0; q < n; ++q) {
      if (in_domain(x, q, Channel::network) && in_domain(x, q, Channel::statefile)) ++size;
    }
    if (size > best) {
      best = size;
      winner = x;
    }
  }
  if (!winner) return false;
  const HostIndex w = *winner;
  return w == j || (in_domain(w, j, Channel::network) && in_domain(w, j, Channel::statefile) &&
                    in_domain(j, w, Channel::network) && in_domain(j, w, Channel::statefile));
}

// form_new_liveset: the members, all at their start criteria, go live together with the members as their liveset
// (the others adopt it from the first one's statefile slot: am_I_in_new_liveset).
void Xhad::form_liveset(const std::vector<HostIndex>& members) {
  ctx.invariants.world_changed();
  for (const HostIndex j : members) {
    Daemon& d = daemons_[j];
    d.state = DaemonState::live;
    d.excluded = false;  // cleared once the start criteria are met (sm.c sm(), sf_set_excluded(FALSE))
    ctx.queue.cancel(d.join_timeout);
    d.liveset.assign(ctx.n(), false);
    for (const HostIndex x : members) d.liveset[x] = true;
  }
  for (const HostIndex j : members) {
    std::vector<std::string> others;
    for (const HostIndex x : members) {
      if (x != j) others.push_back(ctx.name(x));
    }
    std::vector<Detail> details{{"live", std::to_string(members.size())}};
    if (!others.empty()) details.push_back({"hosts", join_names(others)});
    ctx.publish(ctx.ha_source(j), Rec::joined, std::move(details));
  }
  for (const HostIndex j : members) ctx.xapi.liveset_changed(j);
  for (const HostIndex j : members) ctx.xapimon.changed(j);  // start_xapi_monitor
  for (const HostIndex j : members) {
    for (HostIndex x = 0; x < ctx.n(); ++x) {
      if (x != j) ctx.transport->schedule_fence_check(j, x);
    }
  }
  // A member that already misses another from its domains (lost at this very instant) counts the loss against
  // its new liveset: the formation is taken as coming first in the instant, and xhad's start_fh then sees a host
  // of its liveset leave. Taken the other way, xhad would adopt a liveset holding a host it no longer hears and
  // never run a handler for it, while that host's own handler removes it.
  for (const HostIndex j : members) {
    if (liveset_host_missing(j)) ctx.fault_handler.start(j);
  }
}

// xhad's join: a joining host first waits until every live host has it out of its liveset
// (wait_all_hosts_recognize_I_was_down); it is live once it and every live host of the liveset it reads have each
// other in both domains, and then every one of them adds it to its liveset at once.
void Xhad::check_joins() {
  const std::size_t n = ctx.n();
  update_start_progress();
  for (HostIndex j = 0; j < n; ++j) {
    Daemon& joiner = daemons_[j];
    if (!at_start_criteria(j) || !statefile_reachable(j)) continue;
    if (no_liveset_seen(j)) {
      // test_Start_Criteria, empty liveset: with every configured host heard on both channels, a liveset of all
      // of them once each is at its start criteria too (wait_until_all_hosts_booted); otherwise wait for Tboot
      // (join_timed_out).
      bool all_ready = hears_every_host(j);
      for (HostIndex x = 0; x < n && all_ready; ++x) {
        all_ready = x == j || (at_start_criteria(x) && statefile_reachable(x) && no_liveset_seen(x) &&
                               hears_every_host(x));
      }
      if (!all_ready) continue;
      std::vector<HostIndex> everyone(n);
      for (HostIndex x = 0; x < n; ++x) everyone[x] = x;
      form_liveset(everyone);
      return;
    }
    const auto both_ways = [this, j](HostIndex x) {
      return in_domain(x, j, Channel::network) && in_domain(x, j, Channel::statefile) &&
             in_domain(j, x, Channel::network) && in_domain(j, x, Channel::statefile);
    };
    // Exact early out: every live daemon x has itself in its liveset, so it is in live_view(j), and the join needs
    // both domains both ways between x and j; checking that first spares the O(n²) view.
    bool possible = true;
    for (HostIndex x = 0; x < n && possible; ++x) {
      if (x == j || !daemons_[x].live() || !daemons_[x].liveset[x]) continue;
      possible = both_ways(x);
    }
    if (!possible) continue;
    const std::vector<bool> view = live_view(j);
    bool accepted = true;
    for (HostIndex x = 0; x < n && accepted; ++x) {
      if (!view[x]) continue;
      // A live host accepts no join while its fault handler runs (xhad sm.c join_block); its handler's end checks
      // the joins again.
      accepted = daemons_[x].live() && ctx.fault_handler.idle(x) && both_ways(x);
    }
    if (!accepted) continue;
    joiner.state = DaemonState::live;
    joiner.excluded = false;  // cleared once the start criteria are met (sm.c sm(), sf_set_excluded(FALSE))
    ctx.invariants.world_changed();  // another incarnation counts in the livesets now
    ctx.queue.cancel(joiner.join_timeout);
    joiner.liveset = view;
    joiner.liveset[j] = true;
    std::vector<std::string> members;
    for (HostIndex x = 0; x < n; ++x) {
      if (view[x]) members.push_back(ctx.name(x));
    }
    std::vector<Detail> details{{"live", std::to_string(live_count(j))}};
    if (!members.empty()) details.push_back({"hosts", join_names(members)});
    ctx.publish(ctx.ha_source(j), Rec::joined, std::move(details));
    for (HostIndex x = 0; x < n; ++x) {
      if (!view[x]) continue;
      daemons_[x].liveset[j] = true;
      ctx.publish(ctx.ha_source(x), Rec::liveset_joined, {{"hosts", ctx.name(j)}, {"live", std::to_string(live_count(x))}});
    }
    ctx.xapi.liveset_changed(j);
    for (HostIndex x = 0; x < n; ++x) {
      if (view[x]) ctx.xapi.liveset_changed(x);
    }
    ctx.xapimon.changed(j);  // start_xapi_monitor
    // Its fencing is armed now: a fence request it hears from here on concerns it.
    for (HostIndex x = 0; x < n; ++x) {
      if (x != j) ctx.transport->schedule_fence_check(j, x);
    }
  }
}

// xhad's bond monitor (bond_mon.c) checks the management bond every BOND_CHECK_INTERVAL = 10 s from the daemon's
// start: an error when the bond or any member is not up (its MII status). xapi reads the warning (xapi.cpp).
// Checks are computed, not polled: only the first check after a change of the bond is an event.
namespace {
constexpr Duration bond_check_interval = Duration::seconds(10);
}

bool Xhad::bond_degraded(HostIndex h) const {
  const BondIndex bond = ctx.config.hosts[h].management.index;
  for (const NicIndex m : ctx.network.bond_members(bond)) {
    if (!ctx.network.member_enabled(m)) return true;
  }
  return false;
}

void Xhad::bonds_changed() {
  for (HostIndex h = 0; h < ctx.n(); ++h) schedule_bond_check(h);
}

void Xhad::schedule_bond_check(HostIndex h) {
  Daemon& d = daemons_[h];
  if (!ctx.config.hosts[h].bond_monitor || !d.running() || ctx.queue.pending(d.bond_check)) return;
  if (bond_degraded(h) == d.bond_error) return;
  const SimTime next =
      grid_at_or_after(d.anchor + bond_check_interval, bond_check_interval, ctx.queue.now(), true);
  const std::uint64_t life = ctx.machines[h].life;
  d.bond_check = ctx.queue.schedule_at(next, Phase::decision, [this, h, life] {
    Daemon& checked = daemons_[h];
    if (ctx.machines[h].life != life || !checked.running()) return;
    checked.bond_error = bond_degraded(h);
    ctx.xapi.schedule_bond_warning(h);
  });
}

}  // namespace poolsim::models
