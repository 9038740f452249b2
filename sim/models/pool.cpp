#include "poolsim/models/pool.hpp"

#include "poolsim/models/planner.hpp"

#include <algorithm>
#include <functional>
#include <tuple>

namespace poolsim::models {

std::string_view to_token(RestartPriority priority) {
  switch (priority) {
    case RestartPriority::restart: return "restart";
    case RestartPriority::best_effort: return "best_effort";
    case RestartPriority::do_not_restart: return "do_not_restart";
  }
  return "unknown";
}

std::string_view to_token(HostState state) {
  switch (state) {
    case HostState::up: return "up";
    case HostState::joining: return "joining";
    case HostState::maintenance: return "maintenance";
    case HostState::fenced: return "fenced";
    case HostState::booting: return "booting";
    case HostState::down: return "down";
  }
  return "unknown";
}

std::string_view to_token(VmState state) {
  switch (state) {
    case VmState::running: return "running";
    case VmState::starting: return "starting";
    case VmState::halted: return "halted";
  }
  return "unknown";
}

HaTimers HaTimers::derive(Duration timeout, IntervalFormula formula) {
  const std::int64_t t = timeout.whole_seconds();
  HaTimers timers;
  timers.timeout = timeout;
  if (formula == IntervalFormula::legacy) {
    timers.network_interval = timers.statefile_interval = Duration::seconds((t + 10) / 10);
  } else {
    timers.network_interval = Duration::seconds(std::min<std::int64_t>((t + 10) / 10, 3));
    timers.statefile_interval = Duration::seconds(std::max<std::int64_t>(2, t / 20));
  }
  timers.heartbeat_timeout = timeout;
  timers.statefile_timeout = timeout;
  timers.heartbeat_watchdog = timeout;
  timers.statefile_watchdog = timeout + Duration::seconds(15);
  timers.join_timeout = timeout + Duration::seconds(60);
  return timers;
}

namespace {

enum class Channel : std::uint8_t { network, statefile };

std::string_view to_token(Channel channel) { return channel == Channel::network ? "network" : "statefile"; }

// The fault handler's state on one host (xha daemon/sm.c fault_handler; MODEL.md §3).
enum class FaultHandler : std::uint8_t {
  idle,
  waiting,   // phase 1: until no peer in a domain is stale
  agreeing,  // phase 2: until the views of the hosts heard agree (or T), then one heartbeat round
  sleeping,  // phase 4: before removing the lost hosts from the liveset
};

// A grid instant anchor + k·period relative to `t`: the last one at or before t, or the first at or after t.
SimTime grid_at_or_before(SimTime anchor, Duration period, SimTime t, bool inclusive) {
  if (t < anchor) return anchor - period;
  Duration k = Duration::nanoseconds(((t - anchor) / period) * period.ns());
  SimTime g = anchor + k;
  if (!inclusive && g == t) g = g - period;
  return g;
}

SimTime grid_at_or_after(SimTime anchor, Duration period, SimTime t, bool inclusive) {
  if (t <= anchor) return (t == anchor && !inclusive) ? anchor + period : anchor;
  SimTime g = grid_at_or_before(anchor, period, t, true);
  if (g < t || !inclusive) g = g + period;
  return g;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

}  // namespace

struct Pool::Impl {
  // What observer h knows of peer p on one channel.
  struct Link {
    bool delivering = false;  // compressed: p's heartbeats (or slot updates) reach h now
    bool in_domain = false;
    SimTime first;            // compressed: first grid instant delivered since delivering began
    SimTime last;             // the last one heard (compressed: kept up to date once delivering stopped)
    SimTime deadline;         // the leave, unless heard again by then (compressed: of the pending leave)
    std::optional<SimTime> leave_found;  // messages: when the leave watchdog last found it gone
    EventHandle enter, leave;  // the pending enter and leave (messages: the leave watchdog)
  };
  // A domain change found in the protocol band, applied in the settle band.
  struct DomainChange {
    HostIndex observer;
    HostIndex peer;
    Channel channel;
    bool enter;
  };

  struct Host {
    HostConfig config;
    HostState state = HostState::up;
    std::uint64_t life = 0;  // bumped at each power loss, fence or reboot: events of an older life are void
    // xhad
    bool daemon = false;     // running, heartbeating and writing its slot
    bool excluded = false;   // shut down cleanly: does not count against survival rule 2
    SimTime anchor;          // the daemon's start: its heartbeat and statefile grids start here
    std::vector<bool> liveset;
    std::vector<Link> net, sf;  // indexed by peer
    IoOutcome io = IoOutcome::completes;
    EventHandle statefile_watchdog;
    FaultHandler fh = FaultHandler::idle;
    bool fh_rerun = false;
    SimTime fh_start;  // when this run of the fault handler began (phase 1's staleness counts from it)
    bool agreed = false;  // phase 2 ended (agreement or T): its stable view is taken, phase 3 is scheduled
    bool awaiting_reports = false;  // phase 3 waits for a statefile peer still in its phases 1–2
    // Its domains, within its liveset, as they stood when phase 2 ended: phase 3 decides from them (xhad
    // smvar.stable_hb/stable_sf).
    std::vector<bool> stable_hbd, stable_sfd;
    std::vector<bool> stable_sf_access;  // per host in stable_hbd: it reports its own slot fresh (rule 2)
    bool surviving_by_rule2 = false;
    // xhad's fence request (sm.c fence_request): set in its heartbeats during the phase-4 sleep of a degrading
    // liveset; a host that hears one and is not in `proposed` fences (heartbeat.c, MTC_ERROR_HB_FENCEREQUESTED).
    bool requesting_fence = false;
    std::vector<bool> proposed;
    EventHandle fh_event;
    // xapi
    bool xapi_alive = true;
    bool is_master = false;
    SimTime xapi_anchor;
    EventHandle xapi_fence, master_poll, boot;
    SimTime master_poll_at;
    bool awaiting_statefile = false;  // booted, HA join aborted until the statefile returns
    bool was_fenced = false;          // says so when it is back (HA_HOST_WAS_FENCED)
    std::uint64_t beats = 0;          // messages: bumped when the daemon starts or stops, voiding older ticks
    bool joining = false;             // daemon started, not yet accepted by the live hosts
    bool join_failed = false;         // gave up at the join timeout; tries again when the world changes
    bool down_recognized = false;     // every live host has it out of its liveset (join may proceed)
    EventHandle join_timeout;
    bool disabled = false;            // in (or entering) maintenance: no VM is placed on it
    // xhad's bond monitor (bond_mon.c) and xapi's edge trigger on its warning (xapi_ha.ml boolean_warning).
    bool bond_error = false;          // what the monitor's last check found
    bool bond_error_raised = false;   // xapi's trigger: HA_NETWORK_BONDING_ERROR raised, not yet cleared
    EventHandle bond_check, bond_warning;
    bool in_maintenance = false;      // evacuated
  };

  struct Vm {
    VmConfig config;
    std::optional<HostIndex> instance;  // where it really runs (ground truth)
    bool booted = false;
    std::optional<HostIndex> db_host;   // where xapi's database says it runs
    bool db_running = false;
    bool restart_pending = false;       // in a restart pass's later order group
    std::optional<SimTime> last_attempt;
    bool alerted = false;
    int best_effort_owed = 0;           // start attempts still owed to a best-effort VM (xapi: 1 + 2 retries)
    // xapi's ha_always_run: set when a `restart` VM is started, cleared by an operator's shutdown. Only a
    // `restart` VM with it set is protected (helpers.ml vm_should_always_run): a VM halted at time 0 is not.
    bool always_run = false;
    bool cd = false;  // a CD is in the drive: the VM is not agile until it is ejected
    EventHandle boot;
  };

  EventQueue& queue;
  EventBus& bus;
  Network& network;
  Storage& storage;
  PoolConfig config;
  std::vector<Host> hosts;
  std::vector<Vm> vms;
  std::vector<std::vector<bool>> cut;  // management network cut between two hosts (partition)
  std::optional<HostIndex> lock_holder;  // the master lock on the statefile (xha lock_mgr.c)
  std::optional<HostIndex> last_master;  // the last host to take the master role, for master_changed records
  std::vector<bool> db_live;             // hosts the master's database holds live
  std::uint64_t master_term = 0;         // bumped at each master change: a deposed master's pass stops
  std::optional<SimTime> monitor_anchor;  // the master's HA monitor grid starts when it becomes master
  std::int64_t plan_exists_for = 0;        // xapi's pool.ha_plan_exists_for
  bool overcommitted = false;              // xapi's pool.ha_overcommitted
  bool statefile_lost_alerted = false;     // HA_STATEFILE_LOST is edge-triggered
  EventHandle monitor_wakeup;
  // xapi_ha.ml: the master's monitor recomputes the pool's plan status when the liveset changed, when asked
  // (ha_schedule_plan_recomputation), or once plan_interval has passed since it last did.
  bool plan_out_of_date = true;
  SimTime last_plan_time;
  EventHandle replan_wakeup;
  bool in_pass = false;  // a monitor pass is starting its first restart group
  std::vector<std::optional<HostIndex>> planned_host;  // the last restart plan, per VM
  bool liveset_grew = false;                          // a host became live since the last pass
  // A best-effort VM gets one attempt and up to xapi_globs ha_best_effort_max_retries = 2 more, one per pass.
  static constexpr int best_effort_attempts = 3;
  std::vector<DomainChange> changes;                  // found at this instant, to settle
  std::vector<HostIndex> fence_requests;              // hosts that heard a fence request at this instant
  SimTime world_changed;  // the last change of reachability, statefile I/O or a daemon (for the fence invariant)
  EventHandle settle_event;

  Impl(EventQueue& q, EventBus& b, Network& n, Storage& s, PoolConfig c)
      : queue(q), bus(b), network(n), storage(s), config(std::move(c)) {
    const std::size_t count = config.hosts.size();
    for (const HostConfig& h : config.hosts) {
      Host host;
      host.config = h;
      host.liveset.assign(count, false);
      host.net.resize(count);
      host.sf.resize(count);
      hosts.push_back(std::move(host));
    }
    for (const VmConfig& v : config.vms) {
      Vm vm;
      vm.config = v;
      vm.cd = v.cd_inserted;
      vm.always_run = v.always_run_when_halted && v.priority == RestartPriority::restart;
      vms.push_back(std::move(vm));
    }
    cut.assign(count, std::vector<bool>(count, false));
    db_live.assign(count, true);
  }

  std::size_t n() const { return hosts.size(); }
  const std::string& name(HostIndex h) const { return hosts[h].config.name; }
  std::string ha_source(HostIndex h) const { return name(h) + "/ha"; }
  std::string vm_source(VmIndex v) const { return "vm/" + vms[v].config.name; }
  void publish(std::string source, std::string_view event, std::vector<Detail> details = {}) {
    bus.publish(queue.now(), std::move(source), event, std::move(details));
  }
  void alert(std::string_view name_, std::vector<Detail> details = {}) {
    details.push_back({"name", std::string(name_)});
    publish("pool", "alert", std::move(details));
  }
  // Grid sends at `now` have happened once the protocol band has begun.
  bool sent_now() const { return queue.current_phase() > Phase::hardware; }
  Duration period(Channel c) const {
    return c == Channel::network ? config.ha.network_interval : config.ha.statefile_interval;
  }
  Duration timeout(Channel c) const {
    return c == Channel::network ? config.ha.heartbeat_timeout : config.ha.statefile_timeout;
  }
  Link& link(HostIndex observer, HostIndex peer, Channel c) {
    return c == Channel::network ? hosts[observer].net[peer] : hosts[observer].sf[peer];
  }
  bool in_domain(HostIndex observer, HostIndex peer, Channel c) const {
    if (c == Channel::network && observer == peer) return hosts[observer].daemon;
    return (c == Channel::network ? hosts[observer].net[peer] : hosts[observer].sf[peer]).in_domain;
  }

  // ---- What reaches whom ------------------------------------------------------------------------------------

  bool reaches(HostIndex from, HostIndex to) const {
    return !cut[from][to] && network.can_reach(hosts[from].config.management, hosts[to].config.management);
  }
  bool writes_statefile(HostIndex h) const { return hosts[h].daemon && hosts[h].io == IoOutcome::completes; }

  bool delivering(HostIndex observer, HostIndex peer, Channel c) const {
    if (!hosts[observer].daemon || !hosts[peer].daemon) return false;
    if (c == Channel::network) return observer != peer && reaches(peer, observer);
    return writes_statefile(peer) && writes_statefile(observer);
  }

  bool messages() const { return config.heartbeats == HeartbeatMode::messages; }

  // Compressed mode: recomputes every link after a change in the physical world or in a daemon, and schedules
  // the domain changes that follow from the grids. In message mode the heartbeats themselves find them.
  void refresh() {
    world_changed = queue.now();
    if (messages()) return;
    for (HostIndex h = 0; h < n(); ++h) {
      for (HostIndex p = 0; p < n(); ++p) {
        if (p != h) update_link(h, p, Channel::network);
        update_link(h, p, Channel::statefile);
      }
    }
  }

  void update_link(HostIndex h, HostIndex p, Channel c) {
    Link& l = link(h, p, c);
    const bool now_delivering = delivering(h, p, c);
    if (now_delivering == l.delivering) return;
    const SimTime heard = last_heard(h, p, c);  // while it was still delivering
    l.delivering = now_delivering;
    const SimTime now = queue.now();
    if (now_delivering) {
      l.first = grid_at_or_after(hosts[p].anchor, period(c), now, !sent_now());
      // A pending leave stays when the first heartbeat that now gets through comes after it: the peer is lost at
      // its deadline and seen again at that heartbeat (a heartbeat at the very deadline keeps it, as in message
      // mode).
      const bool leave_first = queue.pending(l.leave) && l.deadline < l.first;
      if (!leave_first) queue.cancel(l.leave);
      if (!l.in_domain || leave_first) {
        l.enter = queue.schedule_at(l.first, Phase::protocol, [this, h, p, c] { found(h, p, c, true); });
      }
      if (c == Channel::network) schedule_fence_check(h, p);
      return;
    }
    if (queue.cancel(l.enter)) return;  // it stopped before its first heartbeat arrived
    // Not in the domain and no enter pending: unless its first heartbeat arrived at this very instant (the
    // enter is found, not yet settled), it never entered.
    if (!l.in_domain && heard < l.first) return;
    l.last = heard;
    const SimTime deadline = std::max(l.last + timeout(c), now);
    l.deadline = deadline;
    l.leave = queue.schedule_at(deadline, Phase::protocol, [this, h, p, c] { found(h, p, c, false); });
  }

  // When h last heard p on channel c.
  SimTime last_heard(HostIndex h, HostIndex p, Channel c) const {
    const Link& l = c == Channel::network ? hosts[h].net[p] : hosts[h].sf[p];
    if (messages() || !l.delivering) return l.last;
    const SimTime g = grid_at_or_before(hosts[p].anchor, period(c), queue.now(), sent_now());
    return g >= l.first ? g : l.last;
  }

  // Message mode: a daemon's heartbeats and statefile cycles, one event each, on its grids (the reference that
  // the compressed mode must match byte for byte: shared/design/PERFORMANCE.md).
  void start_beats(HostIndex h) {
    if (!messages()) return;
    const std::uint64_t beats = ++hosts[h].beats;
    for (const Channel c : {Channel::network, Channel::statefile}) {
      const SimTime first = grid_at_or_after(hosts[h].anchor, period(c), queue.now(), !sent_now());
      queue.schedule_at(first, Phase::protocol, [this, h, beats, c] { beat(h, beats, c); });
    }
  }

  void beat(HostIndex p, std::uint64_t beats, Channel c) {
    if (hosts[p].beats != beats || !hosts[p].daemon) return;
    queue.schedule_in(period(c), Phase::protocol, [this, p, beats, c] { beat(p, beats, c); });
    for (HostIndex h = 0; h < n(); ++h) {
      if (!delivering(h, p, c)) continue;
      heard(h, p, c);
      if (c == Channel::network && fence_requested(h, p)) hear_fence_request(h);
    }
  }

  void heard(HostIndex h, HostIndex p, Channel c) {
    Link& l = link(h, p, c);
    l.last = queue.now();
    // A heartbeat at the very instant the watchdog found it gone keeps it (as in compressed mode).
    if (!l.in_domain || l.leave_found == queue.now()) found(h, p, c, true);
    l.deadline = queue.now() + timeout(c);
    if (!queue.pending(l.leave)) {
      l.leave = queue.schedule_at(l.deadline, Phase::protocol, [this, h, p, c] { leave_due(h, p, c); });
    }
  }

  // The leave watchdog of a link: moved on lazily while heartbeats keep coming (as kernel Watchdog does).
  void leave_due(HostIndex h, HostIndex p, Channel c) {
    Link& l = link(h, p, c);
    if (l.deadline > queue.now()) {
      l.leave = queue.schedule_at(l.deadline, Phase::protocol, [this, h, p, c] { leave_due(h, p, c); });
      return;
    }
    if (l.in_domain) {
      l.leave_found = queue.now();
      found(h, p, c, false);
    }
  }

  // A domain change found in the protocol band; all of an instant's are applied together in the settle band.
  void found(HostIndex h, HostIndex p, Channel c, bool enter) {
    changes.push_back({h, p, c, enter});
    schedule_settle();
  }

  void schedule_settle() {
    if (!queue.pending(settle_event)) {
      settle_event = queue.schedule_in(Duration::zero(), Phase::settle, [this] { settle(); });
    }
  }

  // Whether q, hearing a heartbeat of w now, fences on w's fence request (heartbeat.c: the request is set, w is in
  // its own liveset, q is not in w's proposed liveset; q's fencing is armed: its daemon runs and has joined).
  bool fence_requested(HostIndex q, HostIndex w) const {
    return hosts[w].requesting_fence && !hosts[w].proposed[q] && hosts[q].daemon && !hosts[q].joining;
  }

  void hear_fence_request(HostIndex q) {
    fence_requests.push_back(q);
    schedule_settle();
  }

  // Compressed mode: q will hear w's next network heartbeat (at or after now, as update_link's `first`); whether
  // it carries a request that concerns q is decided then, as in message mode.
  void schedule_fence_check(HostIndex q, HostIndex w) {
    if (messages() || !fence_requested(q, w) || !delivering(q, w, Channel::network)) return;
    const SimTime next = grid_at_or_after(hosts[w].anchor, config.ha.network_interval, queue.now(), !sent_now());
    const std::uint64_t life_q = hosts[q].life, life_w = hosts[w].life;
    queue.schedule_at(next, Phase::protocol, [this, q, w, life_q, life_w] {
      if (hosts[q].life != life_q || hosts[w].life != life_w) return;
      if (fence_requested(q, w) && delivering(q, w, Channel::network)) hear_fence_request(q);
    });
  }

  // Applies the instant's changes sorted by (observer, peer, channel); a link found both entering and leaving
  // ends as the last finding says, and one that ends as it began records nothing.
  void settle() {
    // Fence requests heard at this instant first, lowest host first: the hosts fence before the domain changes.
    std::vector<HostIndex> fenced;
    fenced.swap(fence_requests);
    std::sort(fenced.begin(), fenced.end());
    fenced.erase(std::unique(fenced.begin(), fenced.end()), fenced.end());
    for (const HostIndex q : fenced) {
      if (hosts[q].daemon && !hosts[q].joining) fence(q, "fence_requested");
    }
    std::vector<DomainChange> batch;
    batch.swap(changes);
    std::stable_sort(batch.begin(), batch.end(), [](const DomainChange& a, const DomainChange& b) {
      return std::tie(a.observer, a.peer, a.channel) < std::tie(b.observer, b.peer, b.channel);
    });
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const DomainChange& d = batch[i];
      if (i + 1 < batch.size() && batch[i + 1].observer == d.observer && batch[i + 1].peer == d.peer &&
          batch[i + 1].channel == d.channel) {
        continue;
      }
      if (!hosts[d.observer].daemon || link(d.observer, d.peer, d.channel).in_domain == d.enter) continue;
      link(d.observer, d.peer, d.channel).in_domain = d.enter;
      publish(ha_source(d.observer), d.enter ? "peer_seen" : "peer_lost",
              {{"channel", std::string(to_token(d.channel))}, {"peer", name(d.peer)}});
      domains_changed(d.observer, !d.enter && hosts[d.observer].liveset[d.peer]);
    }
    for (HostIndex h = 0; h < n(); ++h) try_agree(h);
  }

  // ---- Liveset and fault handler ---------------------------------------------------------------------------

  // After a domain change of observer h; `lost`: a host of h's liveset left a domain, which starts (or
  // restarts) the fault handler (sm.c: a liveset host leaving either domain).
  void domains_changed(HostIndex h, bool lost) {
    Host& host = hosts[h];
    if (!host.daemon) return;
    if (host.joining) lost = false;  // a joining daemon has no liveset to defend yet
    // A live host in both domains that this one does not count as live is added at once; a joining host is
    // added by every live host together when its join completes (check_joins).
    std::vector<std::string> joined;
    for (HostIndex p = 0; p < n() && !host.joining; ++p) {
      if (!host.liveset[p] && in_domain(h, p, Channel::network) && in_domain(h, p, Channel::statefile) &&
          fault_handler_quiet(h) && hosts[p].daemon && !hosts[p].joining) {
        host.liveset[p] = true;
        joined.push_back(name(p));
      }
    }
    if (!joined.empty()) {
      publish(ha_source(h), "liveset_joined", {{"hosts", join_names(joined)}, {"live", std::to_string(live_count(h))}});
      liveset_changed(h);
    }
    check_joins();
    if (lost) {
      start_fault_handler(h);
    } else if (host.fh == FaultHandler::waiting) {
      check_stable(h);  // a stale peer may just have left
    }
  }

  // The liveset the statefile holds for a joiner: the live hosts' livesets merged, the joiner left out.
  std::vector<bool> live_view(HostIndex j) const {
    std::vector<bool> view(n(), false);
    for (HostIndex x = 0; x < n(); ++x) {
      if (x == j || !hosts[x].daemon || hosts[x].joining) continue;
      for (HostIndex y = 0; y < n(); ++y) {
        if (y != j && hosts[x].liveset[y]) view[y] = true;
      }
    }
    return view;
  }

  // xhad's join (MODEL.md §3): a joining host first waits until every live host has it out of its liveset
  // (wait_all_hosts_recognize_I_was_down); it is live once it and every live host of the liveset it reads
  // have each other in both domains, and then every one of them adds it to its liveset at once.
  void check_joins() {
    for (HostIndex j = 0; j < n(); ++j) {
      Host& joiner = hosts[j];
      if (!joiner.daemon || !joiner.joining) continue;
      if (!joiner.down_recognized) {
        bool recognized = true;
        for (HostIndex x = 0; x < n() && recognized; ++x) {
          recognized = x == j || !hosts[x].daemon || hosts[x].joining || !hosts[x].liveset[j];
        }
        if (!recognized) continue;
        joiner.down_recognized = true;
      }
      // Exact early out: every live daemon x has itself in its liveset, so it is in live_view(j), and the join
      // needs both domains both ways between x and j; checking that first spares the O(n²) view.
      bool possible = true;
      for (HostIndex x = 0; x < n() && possible; ++x) {
        if (x == j || !hosts[x].daemon || hosts[x].joining || !hosts[x].liveset[x]) continue;
        possible = in_domain(x, j, Channel::network) && in_domain(x, j, Channel::statefile) &&
                   in_domain(j, x, Channel::network) && in_domain(j, x, Channel::statefile);
      }
      if (!possible) continue;
      const std::vector<bool> view = live_view(j);
      bool accepted = true;
      for (HostIndex x = 0; x < n() && accepted; ++x) {
        if (!view[x]) continue;
        // A live host accepts no join while its fault handler runs (xhad sm.c join_block); its handler's end
        // checks the joins again.
        accepted = hosts[x].daemon && !hosts[x].joining && hosts[x].fh == FaultHandler::idle &&
                   in_domain(x, j, Channel::network) &&
                   in_domain(x, j, Channel::statefile) && in_domain(j, x, Channel::network) &&
                   in_domain(j, x, Channel::statefile);
      }
      if (!accepted) continue;
      joiner.joining = false;
      world_changed = queue.now();  // another incarnation counts in the livesets now
      queue.cancel(joiner.join_timeout);
      joiner.liveset = view;
      joiner.liveset[j] = true;
      std::vector<std::string> members;
      for (HostIndex x = 0; x < n(); ++x) {
        if (view[x]) members.push_back(name(x));
      }
      std::vector<Detail> details{{"live", std::to_string(live_count(j))}};
      if (!members.empty()) details.push_back({"hosts", join_names(members)});
      publish(ha_source(j), "joined", std::move(details));
      for (HostIndex x = 0; x < n(); ++x) {
        if (!view[x]) continue;
        hosts[x].liveset[j] = true;
        publish(ha_source(x), "liveset_joined", {{"hosts", name(j)}, {"live", std::to_string(live_count(x))}});
      }
      liveset_changed(j);
      for (HostIndex x = 0; x < n(); ++x) {
        if (view[x]) liveset_changed(x);
      }
      // Its fencing is armed now: a fence request it hears from here on concerns it.
      for (HostIndex x = 0; x < n(); ++x) {
        if (x != j) schedule_fence_check(j, x);
      }
    }
  }

  bool fault_handler_quiet(HostIndex h) const { return hosts[h].fh == FaultHandler::idle; }

  std::size_t live_count(HostIndex h) const {
    return static_cast<std::size_t>(std::count(hosts[h].liveset.begin(), hosts[h].liveset.end(), true));
  }

  bool liveset_host_missing(HostIndex h) const {
    for (HostIndex p = 0; p < n(); ++p) {
      if (hosts[h].liveset[p] && (!in_domain(h, p, Channel::network) || !in_domain(h, p, Channel::statefile))) {
        return true;
      }
    }
    return false;
  }

  // xhad runs a fault handler to its end; a fault after phase 1 runs the handler again afterwards (sm.c: the
  // state manager loop waits for the next event only once fault_handler() returns). So a stream of changes
  // cannot hold a host in its handler past the survivors' phase-4 sleep. Phase 1 waits for the domains to be
  // stable, so a loss then is part of this run: it may make them stable.
  void start_fault_handler(HostIndex h) {
    Host& host = hosts[h];
    if (host.fh == FaultHandler::waiting) {
      check_stable(h);
      return;
    }
    if (host.fh != FaultHandler::idle) {
      host.fh_rerun = true;
      return;
    }
    publish(ha_source(h), "fault_handler_started");
    host.fh_start = queue.now();
    queue.cancel(host.fh_event);
    host.fh = FaultHandler::waiting;
    check_stable(h);
  }

  // Phase 1: wait until no peer in a domain is stale (xhad sm.c wait_until_HBSF_state_stable: its last update is
  // more than T/4 old and older than the handler's start); its leave re-triggers this.
  void check_stable(HostIndex h) {
    const SimTime now = queue.now();
    bool stale = false;
    std::optional<SimTime> recheck;
    for (HostIndex p = 0; p < n(); ++p) {
      for (const Channel c : {Channel::network, Channel::statefile}) {
        if (c == Channel::network && p == h) continue;
        if (!link(h, p, c).in_domain) continue;
        const SimTime last = last_heard(h, p, c);
        if (now <= last + timeout(c) / 4 || last >= hosts[h].fh_start) continue;
        stale = true;
        // Stale: it leaves the domain (and this runs again), or its next heartbeat makes it fresh.
        if (hosts[p].daemon) {
          const SimTime next = grid_at_or_after(hosts[p].anchor, period(c), now, false);
          if (!recheck || next < *recheck) recheck = next;
        }
      }
    }
    Host& waiting = hosts[h];
    if (stale) {
      queue.cancel(waiting.fh_event);
      if (recheck) {
        const std::uint64_t life = waiting.life;
        waiting.fh_event = queue.schedule_at(*recheck, Phase::decision, [this, h, life] {
          if (hosts[h].life == life && hosts[h].fh == FaultHandler::waiting) check_stable(h);
        });
      }
      return;
    }
    // Phase 2: wait until every host in the heartbeat domain reports the same domains; without agreement
    // within T, go on with this host's own view (xhad merges the views then: research §4b).
    Host& host = hosts[h];
    host.fh = FaultHandler::agreeing;
    host.agreed = false;
    host.awaiting_reports = false;
    const std::uint64_t life = host.life;
    // xhad waits max(T1, T2) for a consistent view (sm.c fault_handler).
    host.fh_event = queue.schedule_in(std::max(config.ha.heartbeat_timeout, config.ha.statefile_timeout), Phase::decision,
                                      [this, h, life] {
      if (hosts[h].life != life) return;
      hosts[h].agreed = true;
      take_stable_view(h);
      survival_test(h);
    });
    try_agree(h);
  }

  // Once the views agree, phase 3 follows after one heartbeat round, the time for every host to have seen
  // the others' agreement (docs/model.md).
  void try_agree(HostIndex h) {
    Host& host = hosts[h];
    if (host.fh != FaultHandler::agreeing || host.agreed || !views_agree(h)) return;
    host.agreed = true;
    take_stable_view(h);
    queue.cancel(host.fh_event);
    const std::uint64_t life = host.life;
    host.fh_event = queue.schedule_in(std::max(config.ha.network_interval, config.ha.statefile_interval),
                                      Phase::decision, [this, h, life] {
                                        if (hosts[h].life == life) survival_test(h);
                                      });
  }

  // Whether every live host h hears reports the same heartbeat and statefile domains as h.
  bool views_agree(HostIndex h) const {
    for (HostIndex p = 0; p < n(); ++p) {
      if (p == h || !hosts[h].liveset[p] || !in_domain(h, p, Channel::network) || !hosts[p].daemon) continue;
      for (HostIndex q = 0; q < n(); ++q) {
        for (const Channel c : {Channel::network, Channel::statefile}) {
          if (in_domain(p, q, c) != in_domain(h, q, c)) return false;
        }
      }
    }
    return true;
  }

  // The end of phase 2: h's domains now are what phase 3 decides from, whatever changes during the rendezvous
  // before it (xhad sm.c: wait_until_all_hosts_have_consistent_view copies them). The peers' reports are read at
  // phase 3: by then each has written what it found at this instant (the rendezvous round).
  void take_stable_view(HostIndex h) {
    Host& host = hosts[h];
    host.stable_hbd.assign(n(), false);
    host.stable_sfd.assign(n(), false);
    host.stable_sf_access.assign(n(), false);
    for (HostIndex p = 0; p < n(); ++p) {
      // A joining daemon is a new incarnation of its host: the liveset's entry for the old one has no domain.
      const bool counted = host.liveset[p] && (p == h || !hosts[p].joining);
      host.stable_hbd[p] = counted && in_domain(h, p, Channel::network);
      host.stable_sfd[p] = counted && in_domain(h, p, Channel::statefile);
      // What p's heartbeats say of its statefile access: its own slot in its statefile domain (sm.c
      // test_Survival_Rule reads phb->raw[p].sfdomain).
      host.stable_sf_access[p] = host.stable_hbd[p] && hosts[p].daemon && in_domain(p, p, Channel::statefile);
    }
    wake_deciders();  // a host whose phase 3 waited for this report decides again
  }

  // Whether x has not yet reported the partition of its current fault-handler run: it is in phase 1 or 2.
  bool report_pending(HostIndex x) const {
    const Host& host = hosts[x];
    return host.daemon && (host.fh == FaultHandler::waiting || (host.fh == FaultHandler::agreeing && !host.agreed));
  }

  // Phase 3: xhad's test_Survival_Rule (MODEL.md §3), on the view phase 2 ended with.
  void survival_test(HostIndex h) {
    Host& host = hosts[h];
    const std::vector<bool>& hbd = host.stable_hbd;
    const std::vector<bool>& sfd = host.stable_sfd;
    std::vector<bool> remaining(n());
    bool sfd_empty = true, sfd_in_hbd = true;
    for (HostIndex p = 0; p < n(); ++p) {
      if (sfd[p]) sfd_empty = false;
      if (sfd[p] && !hbd[p]) sfd_in_hbd = false;
    }
    std::string rule;
    if (!sfd_empty && sfd_in_hbd) {
      rule = "no_partition";
      remaining = sfd;
    } else if (!sfd_empty) {
      // The largest partition, each host's as it reports it on the statefile; ties to the lowest index. Every
      // host of the statefile domain takes part (phase 2's rendezvous runs on the statefile too): one still in
      // its phases 1–2 is waited for, so that both sides of a partition compare the same reports.
      for (HostIndex x = 0; x < n(); ++x) {
        if (x != h && sfd[x] && report_pending(x)) {
          host.awaiting_reports = true;
          return;
        }
      }
      std::optional<HostIndex> winner;
      std::size_t best = 0;
      for (HostIndex x = 0; x < n(); ++x) {
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
      for (HostIndex p = 0; p < n(); ++p) remaining[p] = hbd[p] && sfd[p];
    } else {
      // Survival rule 2: everyone lost the statefile and everyone else is on the network or excluded.
      for (HostIndex p = 0; p < n(); ++p) {
        if (!host.liveset[p] || p == h) continue;
        if (host.stable_sf_access[p]) {
          return fence_by_rule(h, "statefile_lost_peer_has_it");
        }
        if (!hbd[p] && !hosts[p].excluded) {
          return fence_by_rule(h, "statefile_and_peers_lost");
        }
      }
      rule = "survival_rule_2";
      remaining = hbd;
      host.surviving_by_rule2 = true;
      if (host.is_master && !statefile_lost_alerted) {
        // Raised by the master when every live host has lost the statefile (research §5), once.
        statefile_lost_alerted = true;
        alert("HA_STATEFILE_LOST");
      }
      queue.cancel(host.statefile_watchdog);
    }
    remaining[h] = true;  // a survivor keeps itself, whatever its own slot's age in the view
    std::vector<std::string> removed;
    bool extend = false;
    for (HostIndex p = 0; p < n(); ++p) {
      if (host.liveset[p] && !remaining[p]) {
        removed.push_back(name(p));
        // fh_sleep_extend: the removed host is still in a live domain now.
        if (in_domain(h, p, Channel::network) || in_domain(h, p, Channel::statefile)) extend = true;
      }
    }
    publish(ha_source(h), "survived", {{"rule", rule}});
    if (removed.empty()) {
      finish_fault_handler(h);
      return;
    }
    // Phase 4: sleep until the losers' watchdogs must have fired (sm.c; docs/research/real-behaviour.md §4b):
    // max(Wh, Ws) - min(T1, T2) + max(t1, t2), plus min(T1, T2) when extended, at least
    // FH_MINIMUM_SLEEP_BEFORE_FO = 10 s. At the derived timers: 15 s + max(t1, t2) (+ T).
    const HaTimers& ha = config.ha;
    const Duration shortest_timeout = std::min(ha.heartbeat_timeout, ha.statefile_timeout);
    Duration sleep = std::max(ha.heartbeat_watchdog, ha.statefile_watchdog) - shortest_timeout +
                     std::max(ha.network_interval, ha.statefile_interval);
    if (extend) sleep += shortest_timeout;
    sleep = std::max(sleep, Duration::seconds(10));
    host.fh = FaultHandler::sleeping;
    host.requesting_fence = true;
    host.proposed = remaining;
    for (HostIndex q = 0; q < n(); ++q) {
      if (q != h) schedule_fence_check(q, h);
    }
    const std::uint64_t life = host.life;
    host.fh_event = queue.schedule_in(sleep, Phase::decision, [this, h, life, remaining] {
      if (hosts[h].life != life) return;
      hosts[h].requesting_fence = false;  // cancel_fence_request, once the liveset is updated
      std::vector<std::string> names;
      for (HostIndex p = 0; p < n(); ++p) {
        if (hosts[h].liveset[p] && !remaining[p]) {
          hosts[h].liveset[p] = false;
          names.push_back(name(p));
        }
      }
      publish(ha_source(h), "liveset_removed", {{"hosts", join_names(names)}, {"live", std::to_string(live_count(h))}});
      finish_fault_handler(h);
      liveset_changed(h);
    });
  }

  void fence_by_rule(HostIndex h, std::string_view reason) {
    check_fence_justified(h);
    fence(h, reason);
  }

  // MODEL.md §1: a host that fences by the survival rules was truly outside both. Checked from the ground truth
  // (what reaches whom, who writes the statefile) when nothing has changed for longer than the views can lag
  // (T + one heartbeat round); within that window a view may rightly be behind the world. The clear cases: h
  // writes the statefile and hears every liveset host that does (rule 1, no partition), or nobody writes it and h
  // hears every liveset host not shut down cleanly (rule 2). A violation is a bug in the fault handler.
  void check_fence_justified(HostIndex h) const {
    const Duration lag = std::max(config.ha.heartbeat_timeout, config.ha.statefile_timeout) +
                         std::max(config.ha.network_interval, config.ha.statefile_interval);
    if (queue.now() - world_changed <= lag) return;
    bool any_writer = writes_statefile(h), hears_writers = true, hears_all = true;
    for (HostIndex p = 0; p < n(); ++p) {
      if (p == h || !hosts[h].liveset[p]) continue;
      const bool current = hosts[p].daemon && !hosts[p].joining;  // the incarnation the liveset counts
      const bool heard = current && reaches(p, h);
      const bool writer = current && writes_statefile(p);
      any_writer = any_writer || writer;
      if (writer && !heard) hears_writers = false;
      if (!heard && !hosts[p].excluded) hears_all = false;
    }
    if (writes_statefile(h) && hears_writers) {
      throw InvariantViolation(name(h) + " fences although it writes the statefile and hears every host that does "
                                         "(survival rule 1), and the world was stable");
    }
    if (!any_writer && hears_all) {
      throw InvariantViolation(name(h) + " fences although nobody writes the statefile and it hears every host "
                                         "(survival rule 2), and the world was stable");
    }
  }

  // The partition x reports on the statefile: the hosts of its liveset in both its domains, itself included.
  // Within its fault handler its domains only shrink (xhad heartbeat.c update_hbdomain adds no host while
  // join_block is set): past phase 2 it reports those it decides from that it still has, and in its phase-4
  // sleep those it proposed to keep that it still has (sm.c drops the removed hosts from its domains).
  std::vector<HostIndex> partition_of(HostIndex x) const {
    const Host& host = hosts[x];
    const bool sleeping = host.requesting_fence;
    const bool decided = host.daemon && host.fh == FaultHandler::agreeing && host.agreed;
    std::vector<HostIndex> part;
    for (HostIndex p = 0; p < n(); ++p) {
      const bool live = host.liveset[p] && (p == x || !hosts[p].joining) && in_domain(x, p, Channel::network) &&
                        in_domain(x, p, Channel::statefile);
      const bool kept = sleeping ? host.proposed[p] : !decided || (host.stable_hbd[p] && host.stable_sfd[p]);
      if (p == x || (live && kept)) part.push_back(p);
    }
    return part;
  }

  void finish_fault_handler(HostIndex h) {
    Host& host = hosts[h];
    const bool rerun = host.fh_rerun;
    host.fh = FaultHandler::idle;
    host.fh_rerun = false;
    // Joins held back during the handler; a loss that happened during the phase-4 sleep runs it again.
    domains_changed(h, rerun && liveset_host_missing(h));
  }

  // ---- Statefile I/O ---------------------------------------------------------------------------------------

  void storage_changed() {
    if (!config.heartbeat_sr) return;
    for (HostIndex h = 0; h < n(); ++h) {
      Host& host = hosts[h];
      const IoOutcome io = storage.io(*config.heartbeat_sr, h);
      if (io == host.io) continue;
      const IoOutcome before = host.io;
      host.io = io;
      if (!host.daemon) {
        if (host.awaiting_statefile && io == IoOutcome::completes) start_daemon(h);
        continue;
      }
      queue.cancel(host.statefile_watchdog);
      if (io == IoOutcome::hangs && !host.surviving_by_rule2) {
        // The statefile watchdog is re-armed at the start of each good cycle; a hung cycle stops it
        // (docs/research/real-behaviour.md §4a). An I/O error never fires it.
        const SimTime last_good =
            grid_at_or_before(host.anchor, config.ha.statefile_interval, queue.now(), sent_now());
        const SimTime deadline = std::max(last_good + config.ha.statefile_watchdog, queue.now());
        const std::uint64_t life = host.life;
        host.statefile_watchdog = queue.schedule_at(deadline, Phase::decision, [this, h, life] {
          if (hosts[h].life == life && !hosts[h].surviving_by_rule2) fence(h, "statefile_watchdog");
        });
      }
      if (io == IoOutcome::completes && before != IoOutcome::completes && host.surviving_by_rule2) {
        host.surviving_by_rule2 = false;
        if (host.is_master) statefile_lost_alerted = false;
      }
    }
    refresh();
  }

  // Every host's daemon starts now with every host in its liveset and its domains full where links deliver
  // (at time 0, or when HA is enabled), and the master's monitor runs.
  void start_ha() {
    for (HostIndex h = 0; h < n(); ++h) {
      Host& host = hosts[h];
      host.daemon = true;
      host.excluded = false;
      host.anchor = queue.now();
      host.liveset.assign(n(), true);
      // xhad's bond monitor starts afresh, and so does xapi's HA monitor with its cleared triggers.
      host.bond_error = false;
      host.bond_error_raised = false;
      schedule_bond_check(h);
    }
    for (HostIndex h = 0; h < n(); ++h) {
      for (HostIndex q = 0; q < n(); ++q) {
        for (const Channel c : {Channel::network, Channel::statefile}) {
          if (c == Channel::network && q == h) continue;
          Link& l = link(h, q, c);
          reset_link(l);
          l.delivering = delivering(h, q, c);
          l.in_domain = l.delivering;
          l.first = queue.now();
          l.last = queue.now();
        }
      }
    }
    for (HostIndex h = 0; h < n(); ++h) start_beats(h);
    for (HostIndex h = 0; h < n(); ++h) {
      if (liveset_host_missing(h)) start_fault_handler(h);
    }
    const std::optional<HostIndex> m = lock_holder;
    if (!m) return;
    monitor_anchor = queue.now();
    plan_out_of_date = true;
    const std::uint64_t term = master_term;
    queue.schedule_in(Duration::zero(), Phase::decision, [this, m, term] {
      if (master_term == term) monitor_pass(*m);
    });
  }

  void stop_ha() {
    for (HostIndex h = 0; h < n(); ++h) {
      Host& host = hosts[h];
      if (host.daemon && host.joining) publish(ha_source(h), "join_cancelled", {{"reason", "ha_disabled"}});
      halt_daemon(host);
      host.awaiting_statefile = false;
      host.join_failed = false;
      queue.cancel(host.xapi_fence);  // xhad's health checks of xapi stop with it
    }
    queue.cancel(monitor_wakeup);
    queue.cancel(replan_wakeup);
    monitor_anchor.reset();
  }

  // ---- Host life -------------------------------------------------------------------------------------------

  void start_daemon(HostIndex h) {
    Host& host = hosts[h];
    host.awaiting_statefile = false;
    if (!config.ha_enabled) return;
    if (config.heartbeat_sr && host.io != IoOutcome::completes) {
      host.awaiting_statefile = true;
      publish(ha_source(h), "join_aborted", {{"reason", "statefile_unreachable"}});
      return;
    }
    host.daemon = true;
    host.excluded = false;
    host.join_failed = false;
    host.anchor = queue.now();
    host.liveset.assign(n(), false);
    host.liveset[h] = true;
    host.fh = FaultHandler::idle;
    host.surviving_by_rule2 = false;
    host.joining = true;
    host.down_recognized = false;
    const std::uint64_t life = host.life;
    host.join_timeout = queue.schedule_in(config.ha.join_timeout, Phase::decision, [this, h, life] {
      if (hosts[h].life != life || !hosts[h].joining) return;
      publish(ha_source(h), "join_failed", {{"reason", "not_accepted_by_live_hosts"}});
      stop_daemon(h);
      hosts[h].join_failed = true;
      // xapi tries again: at the next change of the world, or after join_retry_interval at the latest.
      queue.schedule_in(config.xapi.join_retry_interval, Phase::decision, [this, h, life] {
        if (hosts[h].life == life) retry_failed_joins();
      });
    });
    publish(ha_source(h), "daemon_started");
    host.bond_error = false;  // xhad's bond monitor starts with the daemon; xapi's trigger lives on with xapi
    schedule_bond_check(h);
    start_beats(h);
    refresh();
    // Live hosts that still count the old incarnation as live learn from its heartbeats that it restarted:
    // that is a failure of the old one, which their fault handlers remove.
    for (HostIndex x = 0; x < n(); ++x) {
      if (x != h && hosts[x].daemon && !hosts[x].joining && hosts[x].liveset[h]) start_fault_handler(x);
    }
    check_joins();
  }

  // The daemon stops without the host stopping (a failed join): peers see it leave their domains.
  void stop_daemon(HostIndex h) {
    halt_daemon(hosts[h]);
    release_lock(h);
    refresh();
    wake_deciders();
  }

  // What stops with an HA daemon, whatever stops it (a failed join, ha_disable, the host itself): its heartbeats,
  // its timers, its fault handler and what it knows of its peers.
  void halt_daemon(Host& host) {
    host.daemon = false;
    ++host.beats;
    host.joining = false;
    for (EventHandle* e : {&host.statefile_watchdog, &host.fh_event, &host.master_poll, &host.join_timeout,
                           &host.bond_check, &host.bond_warning}) {
      queue.cancel(*e);
    }
    host.fh = FaultHandler::idle;
    host.surviving_by_rule2 = false;
    host.requesting_fence = false;
    host.awaiting_reports = false;
    for (Link& l : host.net) reset_link(l);
    for (Link& l : host.sf) reset_link(l);
  }

  // After a change in the physical world, a host whose join failed tries again (xapi retries the join).
  void retry_failed_joins() {
    for (HostIndex h = 0; h < n(); ++h) {
      if (hosts[h].join_failed && hosts[h].state == HostState::up && !hosts[h].daemon) start_daemon(h);
    }
  }

  void stop_host(HostIndex h, HostState state) {
    Host& host = hosts[h];
    ++host.life;
    halt_daemon(host);
    release_lock(h);
    host.state = state;
    host.xapi_alive = true;
    host.awaiting_statefile = false;
    host.join_failed = false;
    queue.cancel(host.xapi_fence);
    queue.cancel(host.boot);
    for (VmIndex v = 0; v < vms.size(); ++v) {
      if (vms[v].instance == h) {
        vms[v].instance.reset();
        vms[v].booted = false;
        queue.cancel(vms[v].boot);
        publish(vm_source(v), "vm_died", {{"host", name(h)}});
      }
    }
    if (host.is_master) {
      host.is_master = false;
      ++master_term;
      monitor_anchor.reset();
      queue.cancel(monitor_wakeup);
      queue.cancel(replan_wakeup);
    }
    refresh();
    wake_deciders();
    // A host that stops has no carrier on its NICs until it is up again (the switch sees its ports go down).
    network.set_host_powered(name(h), false);
  }

  // A host whose phase 3 waits for a statefile peer's report decides again once that peer has reported, or its
  // daemon is gone (it reports nothing more); at this instant, after the change has been applied.
  void wake_deciders() {
    for (HostIndex x = 0; x < n(); ++x) {
      if (!hosts[x].awaiting_reports) continue;
      const std::uint64_t life = hosts[x].life;
      queue.schedule_in(Duration::zero(), Phase::decision, [this, x, life] {
        Host& waiting = hosts[x];
        if (waiting.life != life || !waiting.awaiting_reports) return;
        waiting.awaiting_reports = false;
        if (waiting.daemon && waiting.fh == FaultHandler::agreeing) survival_test(x);
      });
    }
  }

  // The master lock lives as long as its holder's daemon renews it (xha lock_mgr.c): it is free once that daemon
  // is gone, and the slaves take it at their next poll after their liveset changes.
  void release_lock(HostIndex h) {
    if (lock_holder == h) lock_holder.reset();
  }

  void reset_link(Link& l) {
    queue.cancel(l.enter);
    queue.cancel(l.leave);
    l = Link{};
  }

  void boot(HostIndex h) {
    Host& host = hosts[h];
    host.state = HostState::booting;
    publish(name(h), "host_booting");
    const std::uint64_t life = host.life;
    host.boot = queue.schedule_in(host.config.boot_time, Phase::hardware, [this, h, life] {
      if (hosts[h].life != life) return;
      hosts[h].state = HostState::up;
      publish(name(h), "host_up");
      network.set_host_powered(name(h), true);
      resync_vms(h);
      if (hosts[h].was_fenced) {
        // Raised by the fenced host's own xapi once it is back (docs/research/real-behaviour.md §5).
        hosts[h].was_fenced = false;
        alert("HA_HOST_WAS_FENCED", {{"host", name(h)}});
      }
      start_xapi(h);
      start_daemon(h);
    });
  }

  // xapi on a host that boots: VMs the database still has running there are not, so they are marked halted
  // (xapi's power-state resync); the master's monitor then restarts the protected ones.
  void resync_vms(HostIndex h) {
    bool any = false;
    for (VmIndex v = 0; v < vms.size(); ++v) {
      Vm& vm = vms[v];
      if (vm.db_host != h || !vm.db_running || vm.instance == h) continue;
      vm.db_running = false;
      vm.db_host.reset();
      if (vm.config.priority == RestartPriority::best_effort) vm.best_effort_owed = best_effort_attempts;
      publish(vm_source(v), "vm_halted", {{"host", name(h)}, {"reason", "host_restarted"}});
      any = true;
    }
    if (any && lock_holder && hosts[*lock_holder].is_master) liveset_changed(*lock_holder);
  }

  void fence(HostIndex h, std::string_view reason) {
    publish(ha_source(h), "self_fence", {{"reason", std::string(reason)}});
    stop_host(h, HostState::fenced);
    hosts[h].was_fenced = true;
    // The Xen watchdog reboots the host at once (MODEL.md §3: fencing is a reboot).
    boot(h);
  }

  // ---- Bond monitor --------------------------------------------------------------------------------------------

  // xhad's bond monitor (bond_mon.c) checks the management bond every BOND_CHECK_INTERVAL = 10 s from the
  // daemon's start: an error when the bond or any member is not up (its MII status). xapi's HA monitor loop
  // (every monitor_interval from xapi's start, on every host) reads the warning and raises
  // HA_NETWORK_BONDING_ERROR when it turns on (edge-triggered; xapi_ha.ml). Checks are computed, not polled:
  // only the first check after a change of the bond is an event.
  static constexpr Duration bond_check_interval = Duration::seconds(10);

  bool bond_degraded(HostIndex h) const {
    const BondIndex bond = hosts[h].config.management.index;
    for (const NicIndex m : network.bond_members(bond)) {
      if (!network.member_enabled(m)) return true;
    }
    return false;
  }

  void bonds_changed() {
    for (HostIndex h = 0; h < n(); ++h) schedule_bond_check(h);
  }

  void schedule_bond_check(HostIndex h) {
    Host& host = hosts[h];
    if (!host.config.bond_monitor || !host.daemon || queue.pending(host.bond_check)) return;
    if (bond_degraded(h) == host.bond_error) return;
    const SimTime next = grid_at_or_after(host.anchor + bond_check_interval, bond_check_interval, queue.now(), true);
    const std::uint64_t life = host.life;
    host.bond_check = queue.schedule_at(next, Phase::decision, [this, h, life] {
      Host& checked = hosts[h];
      if (checked.life != life || !checked.daemon) return;
      checked.bond_error = bond_degraded(h);
      schedule_bond_warning(h);
    });
  }

  void schedule_bond_warning(HostIndex h) {
    Host& host = hosts[h];
    if (queue.pending(host.bond_warning) || host.bond_error == host.bond_error_raised) return;
    const SimTime next = grid_at_or_after(host.xapi_anchor, config.xapi.monitor_interval, queue.now(), true);
    const std::uint64_t life = host.life;
    host.bond_warning = queue.schedule_at(next, Phase::decision, [this, h, life] {
      Host& read = hosts[h];
      if (read.life != life || !read.daemon || !read.xapi_alive) return;
      if (read.bond_error && !read.bond_error_raised) alert("HA_NETWORK_BONDING_ERROR", {{"host", name(h)}});
      read.bond_error_raised = read.bond_error;
    });
  }

  // ---- xapi: master election, HA monitor, restarts ------------------------------------------------------------

  void start_xapi(HostIndex h) {
    Host& host = hosts[h];
    host.xapi_alive = true;
    host.xapi_anchor = queue.now();
    host.bond_error_raised = false;  // xapi's triggers start cleared
  }

  // A slave's xapi polls the liveset every master_poll_interval (its grid from xapi's start). Only a poll that
  // finds the master gone does anything, so only that poll is scheduled: when the liveset loses the master.
  void schedule_master_poll(HostIndex h) {
    Host& host = hosts[h];
    if (!config.ha_enabled || !host.daemon || host.joining || host.is_master || queue.pending(host.master_poll)) {
      return;
    }
    if (lock_holder && host.liveset[*lock_holder]) return;
    const SimTime next = grid_at_or_after(host.xapi_anchor, config.xapi.master_poll_interval, queue.now(), false);
    const std::uint64_t life = host.life;
    host.master_poll_at = next;
    host.master_poll = queue.schedule_at(next, Phase::decision, [this, h, life] {
      if (hosts[h].life == life) master_poll(h);
    });
  }

  // The slave proposes itself for the master lock on the statefile (xapi on_master_failure; xha
  // ha_propose_master). Proposals at one instant are granted to the lowest index first.
  void master_poll(HostIndex h) {
    Host& host = hosts[h];
    if (!host.daemon || host.joining || host.is_master || !host.xapi_alive) return;
    if (lock_holder && host.liveset[*lock_holder]) return;
    if (host.fh != FaultHandler::idle) {
      schedule_master_poll(h);  // the liveset is being decided: poll again next time
      return;
    }
    // Proposals at one instant: the lowest index is granted the lock, whatever order the polls run in.
    for (HostIndex x = 0; x < h; ++x) {
      if (queue.pending(hosts[x].master_poll) && hosts[x].master_poll_at == queue.now()) {
        schedule_master_poll(h);
        return;
      }
    }
    const std::optional<HostIndex> before = last_master;
    for (const Host& other : hosts) {
      if (other.is_master) {
        throw InvariantViolation("two masters: " + name(h) + " takes the master lock while " + other.config.name +
                                 " still acts as master");
      }
    }
    lock_holder = h;
    last_master = h;
    host.is_master = true;
    ++master_term;
    publish("pool", "master_changed", {{"from", before ? name(*before) : std::string("none")}, {"to", name(h)}});
    alert("POOL_MASTER_TRANSITION", {{"host", name(h)}});
    const std::uint64_t term = master_term;
    queue.schedule_in(config.xapi.become_master_delay, Phase::decision, [this, h, term] {
      if (master_term != term) return;
      monitor_anchor = queue.now();
      plan_out_of_date = true;  // a new monitor plans at its first loop
      monitor_pass(h);
    });
  }

  void liveset_changed(HostIndex h) {
    schedule_master_poll(h);
    retry_failed_joins();
    if (hosts[h].is_master) plan_out_of_date = true;  // "Liveset looks different; ... rerun the planner"
    if (hosts[h].is_master && config.ha_enabled && monitor_anchor) {
      const std::uint64_t term = master_term;
      queue.schedule_in(Duration::zero(), Phase::decision, [this, h, term] {
        if (master_term == term) monitor_pass(h);
      });
    }
  }

  // The master's HA monitor runs every monitor_interval and on liveset changes (MODEL.md §4). A periodic run
  // with nothing to do changes nothing, so the only periodic run scheduled is the one that retries a failed
  // start: the first on the grid once restart_retry_delay has passed.
  void schedule_retry(HostIndex m) {
    std::optional<SimTime> due;
    for (const Vm& vm : vms) {
      if (vm.db_running || vm.restart_pending) continue;
      std::optional<SimTime> at;
      if (protected_vm(vm)) {
        at = vm.last_attempt ? *vm.last_attempt + config.xapi.restart_retry_delay : queue.now();
      } else if (vm.best_effort_owed > 0) {
        at = queue.now();  // the next pass
      }
      if (at && (!due || *at < *due)) due = *at;
    }
    queue.cancel(monitor_wakeup);
    if (!due) return;
    due = std::max(*due, queue.now());
    const SimTime next = grid_at_or_after(*monitor_anchor, config.xapi.monitor_interval, *due, false);
    const std::uint64_t term = master_term;
    monitor_wakeup = queue.schedule_at(next, Phase::decision, [this, m, term] {
      if (master_term == term) monitor_pass(m);
    });
  }

  static bool agile(const Vm& vm) { return vm.config.agile && !vm.cd; }
  static bool protected_vm(const Vm& vm) { return vm.config.priority == RestartPriority::restart && vm.always_run; }

  // What VMs may use of a host's memory: its total less the control domain's (MODEL.md §5).
  std::uint64_t vm_memory(HostIndex h) const {
    const HostConfig& c = hosts[h].config;
    return c.memory_overhead >= c.memory ? 0 : c.memory - c.memory_overhead;
  }

  // What is left of host h's VM memory when its VMs use `used` bytes, floored at 0.
  std::uint64_t free_given(HostIndex h, std::uint64_t used) const {
    return used >= vm_memory(h) ? 0 : vm_memory(h) - used;
  }

  std::uint64_t free_memory(HostIndex h) const {
    std::uint64_t used = 0;
    for (const Vm& vm : vms) {
      if (vm.db_host == h && vm.db_running) used += vm.config.memory;
    }
    return free_given(h, used);
  }

  // xapi_ha_vm_failover.ml restart_auto_run_vms (MODEL.md §4; docs/research/real-behaviour.md §5).
  void monitor_pass(HostIndex m) {
    Host& master = hosts[m];
    if (!master.is_master || !master.daemon) return;
    bool reset = false;
    for (HostIndex x = 0; x < n(); ++x) {
      if (db_live[x] && !master.liveset[x]) {
        db_live[x] = false;
        alert("HA_HOST_FAILED", {{"host", name(x)}});
        for (VmIndex v = 0; v < vms.size(); ++v) {
          Vm& vm = vms[v];
          if (vm.db_host == x && vm.db_running) {
            vm.db_running = false;
            vm.db_host.reset();
            if (vm.config.priority == RestartPriority::best_effort) vm.best_effort_owed = best_effort_attempts;
            publish(vm_source(v), "vm_halted", {{"host", name(x)}, {"reason", "host_failed"}});
            reset = true;
          }
        }
      } else if (!db_live[x] && master.liveset[x] && hosts[x].daemon && !hosts[x].joining) {
        // Live for xapi once its daemon has joined (xapi waits for the liveset it reads to include the host).
        db_live[x] = true;
        liveset_grew = true;
      }
    }
    // VMs were reset: the pool's plan status first (restart_auto_run_vms calls update_pool_status before planning).
    if (reset) update_pool_status(m);
    // Protected VMs go where the planner puts them (compute_restart_plan, VM.start_on); best-effort VMs
    // after every protected one, by a plain start. Each class by order groups.
    const RestartPlan plan = Planner(planner_input(m)).restart_plan();
    planned_host.assign(vms.size(), std::nullopt);
    for (const VmPlacement& p : plan.placement) planned_host[p.vm] = p.host;
    // When every protected VM has a place and the liveset grew since the last pass, every halted best-effort VM
    // is started (docs/research/real-behaviour.md §5).
    if (liveset_grew && plan.complete()) {
      for (Vm& vm : vms) {
        // Every halted best-effort VM, those an operator shut down included: xapi reads them all from the database
        // (restart_auto_run_vms, `is_best_effort`).
        if (vm.config.priority == RestartPriority::best_effort && !vm.db_running) {
          vm.best_effort_owed = best_effort_attempts;
        }
      }
    }
    liveset_grew = false;
    std::vector<VmIndex> candidates;
    for (VmIndex v = 0; v < vms.size(); ++v) {
      const Vm& vm = vms[v];
      if (vm.db_running || vm.restart_pending) continue;
      if (protected_vm(vm)) {
        if (vm.last_attempt && queue.now() < *vm.last_attempt + config.xapi.restart_retry_delay) continue;
      } else if (vm.best_effort_owed == 0) {
        continue;
      }
      candidates.push_back(v);
    }
    std::stable_sort(candidates.begin(), candidates.end(), [this](VmIndex a, VmIndex b) {
      const bool ba = vms[a].config.priority != RestartPriority::restart;
      const bool bb = vms[b].config.priority != RestartPriority::restart;
      return ba != bb ? bb : vms[a].config.order < vms[b].config.order;
    });
    for (const VmIndex v : candidates) vms[v].restart_pending = true;
    in_pass = true;  // the groups that start now leave the retry and the replan to the end of the pass
    start_group(m, master_term, candidates, 0);
    in_pass = false;
    schedule_retry(m);
    if (plan_out_of_date || queue.now() - last_plan_time > config.xapi.plan_interval) {
      update_pool_status(m);
      last_plan_time = queue.now();
      plan_out_of_date = false;
      queue.cancel(replan_wakeup);  // the status is current: nothing to replan for yet
    } else {
      schedule_replan(m);
    }
  }

  // The pool status update_pool_status would record now: overcommitted, and ha_plan_exists_for.
  std::pair<bool, std::int64_t> pool_status(HostIndex m) const {
    const Planner planner(planner_input(m));
    const std::int64_t ntol = config.host_failures_to_tolerate;
    if (planner.plan_status(static_cast<std::size_t>(ntol)) == PlanStatus::all_vms) return {false, ntol};
    return {true, plan_exists_for_overcommitted(static_cast<std::int64_t>(planner.max_host_failures_to_tolerate()))};
  }

  // The periodic replan, computed rather than polled: a pass is scheduled only when the status it would record
  // differs from the recorded one (an operator's VM operation changed the plan: xapi does not replan for it),
  // at the first monitor loop more than plan_interval after the last replan; or at the next loop when a
  // recomputation was asked for.
  void schedule_replan(HostIndex m) {
    queue.cancel(replan_wakeup);
    if (!config.ha_enabled || !monitor_anchor || !hosts[m].is_master) return;
    SimTime due;
    if (plan_out_of_date) {
      due = queue.now();
    } else {
      if (pool_status(m) == std::make_pair(overcommitted, plan_exists_for)) return;
      due = std::max(queue.now(), last_plan_time + config.xapi.plan_interval + Duration::nanoseconds(1));
    }
    const SimTime next = grid_at_or_after(*monitor_anchor, config.xapi.monitor_interval, due, false);
    const std::uint64_t term = master_term;
    replan_wakeup = queue.schedule_at(next, Phase::decision, [this, m, term] {
      if (master_term == term) monitor_pass(m);
    });
  }

  // After an operator's operation: the next replan, if it would change the pool's status. `recompute`: the
  // operation asks the master to replan at its next loop (a host enabled again: xapi_host_helpers.ml
  // ha_schedule_plan_recomputation).
  void operation_done(bool recompute) {
    if (!config.ha_enabled || !lock_holder || !hosts[*lock_holder].is_master) return;
    if (recompute) plan_out_of_date = true;
    schedule_replan(*lock_holder);
  }

  // The pool as the master's planner sees it (MODEL.md §5): live hosts are those in its liveset, up and enabled.
  PlannerInput planner_input(HostIndex m) const {
    PlannerInput input;
    input.hosts.reserve(n());
    input.vms.reserve(vms.size());
    for (HostIndex x = 0; x < n(); ++x) {
      const bool live = db_live[x] && hosts[m].liveset[x] && hosts[x].state == HostState::up && !hosts[x].disabled;
      input.hosts.push_back({hosts[x].config.memory, hosts[x].config.memory_overhead, live});
    }
    for (const Vm& vm : vms) {
      PlannerVm pv;
      pv.memory = vm.config.memory;
      if (vm.db_running) pv.host = vm.db_host;
      pv.is_protected = protected_vm(vm);
      pv.agile = agile(vm);
      input.vms.push_back(pv);
    }
    return input;
  }

  // xapi_ha_vm_failover.ml update_pool_status / mark_pool_as_overcommitted (docs/research/real-behaviour.md §5):
  // a drop of the tolerable failures below ha_plan_exists_for, and the transition to overcommitted, alert.
  void update_pool_status(HostIndex m) {
    const Planner planner(planner_input(m));
    const std::int64_t ntol = config.host_failures_to_tolerate;
    if (planner.plan_status(static_cast<std::size_t>(ntol)) == PlanStatus::all_vms) {
      overcommitted = false;
      plan_exists_for = ntol;
      return;
    }
    mark_overcommitted(planner);
  }

  // xapi_ha_vm_failover.ml mark_pool_as_overcommitted: ha_plan_exists_for follows the planner's max (alerting a
  // drop), and the transition to overcommitted alerts once.
  void mark_overcommitted(const Planner& planner) {
    const auto max = static_cast<std::int64_t>(planner.max_host_failures_to_tolerate());
    if (max < plan_exists_for) alert("HA_POOL_DROP_IN_PLAN_EXISTS_FOR", {{"value", std::to_string(max)}});
    plan_exists_for = plan_exists_for_overcommitted(max);
    if (!overcommitted) alert("HA_POOL_OVERCOMMITTED");
    overcommitted = true;
  }

  // ha_plan_exists_for once the pool is marked overcommitted, given the planner's max host failures to tolerate:
  // unchanged when it equals max, min(ntol, max) otherwise.
  std::int64_t plan_exists_for_overcommitted(std::int64_t max) const {
    return max == plan_exists_for ? plan_exists_for : std::min(config.host_failures_to_tolerate, max);
  }

  // Overcommit protection (MODEL.md §5; xapi_ha_vm_failover.ml assert_configuration_change_preserves_ha_plan):
  // with HA on, an operation is refused (HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN) when a plan for
  // ha_plan_exists_for failures exists now and would not after it. A pool already overcommitted refuses nothing.
  // A pool with ha_allow_overcommit refuses nothing.
  bool breaks_plan(HostIndex m, const PlanChange& change) const {
    if (!config.ha_enabled || config.allow_overcommit) return false;
    return Planner(planner_input(m)).would_break_plan(static_cast<std::size_t>(plan_exists_for), change);
  }

  // What VM v starting, restarting or migrating on `to` changes for the planner (message_forwarding.ml
  // check_vm_preserves_ha_plan): a `restart` VM not yet protected becomes a new VM to protect, wherever it
  // starts; any other arrives on `to`. A migrating VM still holds its memory on the host it leaves
  // (reserve_memory_for_vm: "it will still be considered on both hosts").
  PlanChange arriving(VmIndex v, HostIndex to) const {
    const Vm& vm = vms[v];
    PlanChange change;
    if (vm.config.priority == RestartPriority::restart && !vm.always_run) {
      change.new_vms.push_back(PlannerVm{vm.config.memory, std::nullopt, true, agile(vm)});
      return change;
    }
    change.moves.push_back({v, to});
    if (vm.db_running && vm.db_host && *vm.db_host != to) {
      change.new_vms.push_back(PlannerVm{vm.config.memory, vm.db_host, false, true});
    }
    return change;
  }

  // Starts the VMs of one order group in parallel, then the next group once every start_delay has passed.
  void start_group(HostIndex m, std::uint64_t term, std::vector<VmIndex> queue_of_vms, std::size_t begin) {
    if (master_term != term) {
      for (std::size_t i = begin; i < queue_of_vms.size(); ++i) vms[queue_of_vms[i]].restart_pending = false;
      return;
    }
    if (begin >= queue_of_vms.size()) return restarts_done(m);
    // A group: the same order and the same class (protected VMs before best-effort ones).
    const auto group_of = [this](VmIndex v) {
      return std::pair{vms[v].config.priority != RestartPriority::restart, vms[v].config.order};
    };
    const auto group = group_of(queue_of_vms[begin]);
    std::size_t end = begin;
    Duration delay;
    while (end < queue_of_vms.size() && group_of(queue_of_vms[end]) == group) {
      const VmIndex v = queue_of_vms[end++];
      vms[v].restart_pending = false;
      if (vms[v].db_running || vms[v].instance) continue;  // started meanwhile (an operator's vm_start)
      if (try_start(m, v)) delay = std::max(delay, vms[v].config.start_delay);
    }
    if (end >= queue_of_vms.size()) return restarts_done(m);
    queue.schedule_in(delay, Phase::decision, [this, m, term, queue_of_vms, end] {
      start_group(m, term, queue_of_vms, end);
    });
  }

  // The last group of a restart pass has started: the next retry, and the next replan if the restarts changed
  // what it would record.
  void restarts_done(HostIndex m) {
    if (in_pass) return;
    schedule_retry(m);
    schedule_replan(m);
  }

  // The enabled, running host with the most free memory that fits `memory` (ties to the lowest index) among
  // those `eligible` accepts.
  std::optional<HostIndex> place(std::uint64_t memory, const std::function<bool(HostIndex)>& eligible) const {
    std::optional<HostIndex> target;
    std::uint64_t most = 0;
    std::vector<std::uint64_t> used(n(), 0);  // free_memory's sums for every host, in one pass over the VMs
    for (const Vm& vm : vms) {
      if (vm.db_running && vm.db_host) used[*vm.db_host] += vm.config.memory;
    }
    for (HostIndex x = 0; x < n(); ++x) {
      if (hosts[x].state != HostState::up || hosts[x].disabled || !eligible(x)) continue;
      const std::uint64_t free = free_given(x, used[x]);
      if (free >= memory && (!target || free > most)) {
        target = x;
        most = free;
      }
    }
    return target;
  }

  // Creates the VM's instance on `host` and schedules its boot; the caller has checked it is not running.
  void boot_vm(VmIndex v, HostIndex host) {
    Vm& vm = vms[v];
    vm.db_host = host;
    vm.db_running = true;
    vm.instance = host;
    vm.booted = false;
    // The boot is cancelled if the VM dies or is shut down; a live migration carries it along.
    vm.boot = queue.schedule_in(vm.config.boot_time, Phase::hardware, [this, v] {
      vms[v].booted = true;
      publish(vm_source(v), "vm_running", {{"host", name(*vms[v].instance)}});
    });
  }

  void refuse(std::string_view op, std::string_view reason, std::vector<Detail> details = {}) {
    details.push_back({"op", std::string(op)});
    details.push_back({"reason", std::string(reason)});
    publish("pool", "operation_refused", std::move(details));
  }

  bool try_start(HostIndex m, VmIndex v) {
    Vm& vm = vms[v];
    vm.last_attempt = queue.now();
    const bool best_effort = vm.config.priority == RestartPriority::best_effort;
    if (best_effort) --vm.best_effort_owed;
    auto eligible = [this, m](HostIndex x) {
      return db_live[x] && hosts[m].liveset[x] && hosts[x].daemon && !hosts[x].joining;
    };
    std::optional<HostIndex> target;
    if (v < planned_host.size() && planned_host[v]) {
      const HostIndex planned = *planned_host[v];
      if (hosts[planned].state == HostState::up && !hosts[planned].disabled && eligible(planned) &&
          free_memory(planned) >= vm.config.memory) {
        target = planned;
      }
    }
    if (!target) target = place(vm.config.memory, eligible);
    const auto fail = [&](std::string_view reason) {
      publish(vm_source(v), "vm_restart_failed", {{"reason", std::string(reason)}});
      if (best_effort && vm.best_effort_owed == 0) publish(vm_source(v), "vm_left_down", {{"reason", "best_effort"}});
      if (!best_effort && !vm.alerted) {
        vm.alerted = true;
        alert("HA_PROTECTED_VM_RESTART_FAILED", {{"vm", vm.config.name}});
      }
      return false;
    };
    if (!target) return fail("no_capacity");
    if (breaks_plan(m, arriving(v, *target))) {
      // A protected VM's refusal marks the pool overcommitted; the start tried again at once meets the 120 s
      // guard and fails (docs/research/real-behaviour.md §5). A best-effort VM just fails.
      if (!best_effort) mark_overcommitted(Planner(planner_input(m)));
      return fail("would_break_failover_plan");
    }
    if (vm.instance) {
      throw InvariantViolation("VM " + vm.config.name + " restarted on " + name(*target) + " while still running on " +
                               name(*vm.instance));
    }
    vm.alerted = false;
    vm.best_effort_owed = 0;
    publish(vm_source(v), "vm_restart", {{"order", std::to_string(vm.config.order)}, {"to", name(*target)}});
    boot_vm(v, *target);
    return true;
  }
};

Pool::Pool(EventQueue& queue, EventBus& bus, Network& network, Storage& storage, PoolConfig config)
    : impl_(std::make_unique<Impl>(queue, bus, network, storage, std::move(config))) {
  network.on_change([this] {
    impl_->refresh();
    impl_->retry_failed_joins();
    impl_->bonds_changed();
  });
  storage.on_change([this] {
    impl_->storage_changed();
    impl_->retry_failed_joins();
  });
}

Pool::~Pool() = default;

void Pool::start() {
  Impl& p = *impl_;
  for (VmIndex v = 0; v < p.vms.size(); ++v) {
    Impl::Vm& vm = p.vms[v];
    if (!vm.config.host) continue;
    vm.instance = vm.db_host = vm.config.host;
    vm.booted = vm.db_running = true;
    vm.always_run = vm.config.priority == RestartPriority::restart;
  }
  if (p.config.heartbeat_sr) {
    for (HostIndex h = 0; h < p.n(); ++h) p.hosts[h].io = p.storage.io(*p.config.heartbeat_sr, h);
  }
  p.hosts[p.config.master].is_master = true;
  p.lock_holder = p.last_master = p.config.master;
  for (HostIndex h = 0; h < p.n(); ++h) p.start_xapi(h);
  if (p.config.ha_enabled) p.start_ha();
}

void Pool::crash(HostIndex host) {
  Impl& p = *impl_;
  if (p.hosts[host].state == HostState::down) return;
  p.publish(p.name(host), "host_crashed");
  p.stop_host(host, HostState::down);
}

void Pool::power_on(HostIndex host) {
  Impl& p = *impl_;
  if (p.hosts[host].state != HostState::down) return;
  p.boot(host);
}

void Pool::reboot(HostIndex host) {
  Impl& p = *impl_;
  if (p.hosts[host].state != HostState::up) return;
  p.publish(p.name(host), "host_rebooting");
  p.stop_host(host, HostState::booting);
  p.hosts[host].excluded = true;  // a clean shutdown tells xhad: it no longer counts for rule 2
  p.boot(host);
}

void Pool::xapi_hang(HostIndex host) {
  Impl& p = *impl_;
  Impl::Host& h = p.hosts[host];
  if (h.state != HostState::up || !h.xapi_alive) return;
  h.xapi_alive = false;
  p.publish(p.name(host), "xapi_hung");
  if (!p.config.ha_enabled || !h.daemon) return;
  // The next health check times out, the one restart attempt does not bring it back: xhad fences
  // (MODEL.md §3, Xapi_globs health check).
  const SimTime check =
      grid_at_or_after(h.xapi_anchor, p.config.xapi.health_check_interval, p.queue.now(), false);
  const std::uint64_t life = h.life;
  h.xapi_fence = p.queue.schedule_at(check + p.config.xapi.health_check_timeout + p.config.xapi.restart_timeout,
                                     Phase::decision, [&p, host, life] {
                                       if (p.hosts[host].life == life) p.fence(host, "xapi_dead");
                                     });
}

void Pool::xapi_restore(HostIndex host) {
  Impl& p = *impl_;
  Impl::Host& h = p.hosts[host];
  if (h.xapi_alive || h.state != HostState::up) return;
  h.xapi_alive = true;
  p.queue.cancel(h.xapi_fence);
  p.publish(p.name(host), "xapi_restored");
  p.schedule_bond_warning(host);
}

void Pool::partition(const std::vector<std::vector<HostIndex>>& groups) {
  Impl& p = *impl_;
  std::vector<std::string> names;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::vector<std::string> members;
    for (const HostIndex a : groups[g]) {
      members.push_back(p.name(a));
      for (std::size_t o = 0; o < groups.size(); ++o) {
        if (o == g) continue;
        for (const HostIndex b : groups[o]) p.cut[a][b] = true;
      }
    }
    std::string group;
    for (const auto& m : members) group += (group.empty() ? "" : "+") + m;  // hosts of one group joined by '+'

    names.push_back(group);
  }
  p.publish("pool", "partition", {{"groups", join_names(names)}});
  p.refresh();
}

void Pool::heal() {
  Impl& p = *impl_;
  for (auto& row : p.cut) std::fill(row.begin(), row.end(), false);
  p.publish("pool", "heal");
  p.refresh();
  p.retry_failed_joins();
}

void Pool::enter_maintenance(HostIndex host, std::optional<HostIndex> new_master) {
  Impl& p = *impl_;
  Impl::Host& h = p.hosts[host];
  const std::string_view op = "enter_maintenance";
  if (h.state != HostState::up) return p.refuse(op, "host_not_up", {{"host", p.name(host)}});
  if (h.disabled) return p.refuse(op, "already_in_maintenance", {{"host", p.name(host)}});
  if (h.is_master && p.config.ha_enabled) {
    // XenServer refuses: the master cannot be evacuated while HA is on; disable HA first (MODEL.md §6).
    return p.refuse(op, "master_with_ha_enabled", {{"host", p.name(host)}});
  }
  if (h.is_master && (!new_master || *new_master == host || p.hosts[*new_master].state != HostState::up)) {
    return p.refuse(op, "needs_another_host_as_new_master", {{"host", p.name(host)}});
  }
  const std::optional<HostIndex> m = master();
  if (!m) return p.refuse(op, "no_master", {{"host", p.name(host)}});
  // Host.evacuate and Host.disable first check that the host's loss keeps the failover plan
  // (assert_host_disable_preserves_ha_plan).
  if (p.breaks_plan(*m, PlanChange::disable_host(host))) {
    return p.refuse(op, "would_break_failover_plan", {{"host", p.name(host)}});
  }
  // The evacuation is planned before it starts and refused whole when a VM has nowhere to go.
  h.disabled = true;
  std::vector<std::pair<VmIndex, HostIndex>> moves;
  std::vector<std::uint64_t> reserved(p.n(), 0);
  for (VmIndex v = 0; v < p.vms.size(); ++v) {
    if (p.vms[v].instance != host) continue;
    const std::uint64_t memory = p.vms[v].config.memory;
    const auto target = p.place(memory, [&](HostIndex x) {
      return p.free_memory(x) >= reserved[x] + memory;
    });
    if (!target) {
      h.disabled = false;
      return p.refuse(op, "not_enough_free_memory", {{"host", p.name(host)}, {"vm", p.vms[v].config.name}});
    }
    reserved[*target] += memory;
    moves.emplace_back(v, *target);
  }
  // Each migration checks its arrival (reserve_memory_for_vm); the evacuation is refused whole when one would
  // break the plan, rather than stopping half-way as xapi's would.
  PlanChange evacuation = PlanChange::disable_host(host);
  for (const auto& [v, target] : moves) {
    PlanChange one = p.arriving(v, target);
    evacuation.moves.insert(evacuation.moves.end(), one.moves.begin(), one.moves.end());
    evacuation.new_vms.insert(evacuation.new_vms.end(), one.new_vms.begin(), one.new_vms.end());
  }
  if (p.breaks_plan(*m, evacuation)) {
    h.disabled = false;
    return p.refuse(op, "would_break_failover_plan", {{"host", p.name(host)}});
  }
  if (h.is_master) {
    h.is_master = false;
    p.hosts[*new_master].is_master = true;
    p.lock_holder = p.last_master = *new_master;
    ++p.master_term;
    p.publish("pool", "master_changed", {{"from", p.name(host)}, {"to", p.name(*new_master)}});
  }
  p.publish(p.name(host), "maintenance_started");
  // Live migrations one after the other, each taking the VM's memory at the migration rate; the VM keeps running.
  Duration offset;
  const std::uint64_t life = h.life;
  for (const auto& [v, target] : moves) {
    const double seconds =
        static_cast<double>(p.vms[v].config.memory) /
        static_cast<double>(std::min(p.hosts[host].config.management_bytes_per_second,
                                     p.hosts[target].config.management_bytes_per_second));
    offset += Duration::nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
    const std::uint64_t target_life = p.hosts[target].life;
    p.queue.schedule_in(offset, Phase::hardware, [&p, v = v, target = target, host, life, target_life] {
      // A migration completes only if both ends are still the hosts it started between.
      if (p.hosts[host].life != life || p.hosts[target].life != target_life || p.vms[v].instance != host) return;
      p.vms[v].instance = target;
      p.vms[v].db_host = target;
      p.publish(p.vm_source(v), "vm_migrated", {{"from", p.name(host)}, {"to", p.name(target)}});
    });
  }
  p.queue.schedule_in(offset, Phase::hardware, [&p, host, life] {
    if (p.hosts[host].life != life || !p.hosts[host].disabled) return;  // exit_maintenance came first
    p.hosts[host].in_maintenance = true;
    p.publish(p.name(host), "maintenance_entered");
    p.operation_done(false);
  });
}

void Pool::exit_maintenance(HostIndex host) {
  Impl& p = *impl_;
  Impl::Host& h = p.hosts[host];
  if (!h.disabled) return p.refuse("exit_maintenance", "not_in_maintenance", {{"host", p.name(host)}});
  h.disabled = false;
  h.in_maintenance = false;
  p.publish(p.name(host), "maintenance_exited");
  p.operation_done(true);
}

void Pool::vm_start(VmIndex vm, std::optional<HostIndex> host) {
  Impl& p = *impl_;
  Impl::Vm& v = p.vms[vm];
  const std::string_view op = "vm_start";
  if (v.instance || v.db_running) return p.refuse(op, "already_running", {{"vm", v.config.name}});
  // Operations go through the master's xapi.
  const std::optional<HostIndex> m = master();
  if (!m) return p.refuse(op, "no_master", {{"vm", v.config.name}});
  std::optional<HostIndex> target;
  if (host) {
    const Impl::Host& h = p.hosts[*host];
    if (h.state == HostState::up && !h.disabled && p.free_memory(*host) >= v.config.memory) target = host;
  } else {
    target = p.place(v.config.memory, [](HostIndex) { return true; });
  }
  if (!target) return p.refuse(op, "no_host_with_enough_free_memory", {{"vm", v.config.name}});
  if (p.breaks_plan(*m, p.arriving(vm, *target))) {
    return p.refuse(op, "would_break_failover_plan", {{"vm", v.config.name}});
  }
  v.always_run = v.config.priority == RestartPriority::restart;
  v.alerted = false;
  p.publish(p.vm_source(vm), "vm_start", {{"to", p.name(*target)}});
  p.operation_done(false);
  p.boot_vm(vm, *target);
}

void Pool::vm_shutdown(VmIndex vm) {
  Impl& p = *impl_;
  Impl::Vm& v = p.vms[vm];
  if (!v.instance) return p.refuse("vm_shutdown", "not_running", {{"vm", v.config.name}});
  p.queue.cancel(v.boot);
  v.instance.reset();
  v.booted = false;
  v.db_running = false;
  v.db_host.reset();
  v.always_run = false;  // a clean shutdown by an operator: HA does not restart it
  v.best_effort_owed = 0;
  p.publish(p.vm_source(vm), "vm_shutdown");
  p.operation_done(false);
}

void Pool::insert_cd(VmIndex vm) {
  Impl& p = *impl_;
  Impl::Vm& v = p.vms[vm];
  const std::string_view op = "insert_cd";
  if (v.cd) return p.refuse(op, "cd_drive_not_empty", {{"vm", v.config.name}});
  if (p.config.ha_enabled && !p.config.allow_overcommit && Impl::protected_vm(v)) {
    return p.refuse(op, "ha_constraint_violation_sr_not_shared", {{"vm", v.config.name}});
  }
  v.cd = true;
  p.publish(p.vm_source(vm), "cd_inserted");
  p.operation_done(false);
}

void Pool::eject_cd(VmIndex vm) {
  Impl& p = *impl_;
  Impl::Vm& v = p.vms[vm];
  if (!v.cd) return p.refuse("eject_cd", "cd_drive_empty", {{"vm", v.config.name}});
  v.cd = false;
  p.publish(p.vm_source(vm), "cd_ejected");
  p.operation_done(false);
}

void Pool::set_ntol(std::int64_t value) {
  Impl& p = *impl_;
  const std::string_view op = "set_ntol";
  const std::optional<HostIndex> m = master();
  if (value < 0 || static_cast<std::size_t>(value) >= p.n()) return p.refuse(op, "out_of_range");
  if (!m) return p.refuse(op, "no_master", {{"value", std::to_string(value)}});
  // xapi_pool.ml set_ha_host_failures_to_tolerate: checked only while a plan exists for at least one failure
  // ("Don't block changes if we have no plan at all"); otherwise the pool just becomes overcommitted.
  if (p.plan_exists_for > 0 && p.breaks_plan(*m, PlanChange::set_failures(static_cast<std::size_t>(value)))) {
    return p.refuse(op, "would_break_failover_plan", {{"value", std::to_string(value)}});
  }
  p.config.host_failures_to_tolerate = value;
  p.publish("pool", "ntol_set", {{"value", std::to_string(value)}});
  if (p.config.ha_enabled) p.update_pool_status(*m);
}

void Pool::ha_disable() {
  Impl& p = *impl_;
  if (!p.config.ha_enabled) return p.refuse("ha_disable", "ha_not_enabled");
  p.config.ha_enabled = false;
  p.stop_ha();
  p.publish("pool", "ha_disabled");
}

void Pool::ha_enable() {
  Impl& p = *impl_;
  const std::string_view op = "ha_enable";
  if (p.config.ha_enabled) return p.refuse(op, "ha_already_enabled");
  if (!p.lock_holder && !std::any_of(p.hosts.begin(), p.hosts.end(), [](const Impl::Host& h) { return h.is_master; })) {
    return p.refuse(op, "no_master");
  }
  if (!p.config.heartbeat_sr) return p.refuse(op, "no_heartbeat_sr");
  // MODEL.md §6: every host online, the heartbeat SR reachable, every protected VM agile.
  for (HostIndex h = 0; h < p.n(); ++h) {
    if (p.hosts[h].state != HostState::up) return p.refuse(op, "host_offline", {{"host", p.name(h)}});
    if (p.hosts[h].io != IoOutcome::completes) return p.refuse(op, "statefile_unreachable", {{"host", p.name(h)}});
  }
  for (const Impl::Vm& v : p.vms) {
    if (v.config.priority == RestartPriority::restart && !Impl::agile(v)) {
      return p.refuse(op, "protected_vm_not_agile", {{"vm", v.config.name}});
    }
  }
  if (!p.lock_holder || !p.hosts[*p.lock_holder].is_master) {
    for (HostIndex h = 0; h < p.n(); ++h) {
      if (p.hosts[h].is_master) p.lock_holder = h;
    }
  }
  p.config.ha_enabled = true;
  p.publish("pool", "ha_enabled");
  p.start_ha();
}

HostState Pool::host_state(HostIndex host) const {
  const Impl::Host& h = impl_->hosts[host];
  if (h.state == HostState::up && h.in_maintenance) return HostState::maintenance;
  if (h.state == HostState::up && h.daemon && h.joining) return HostState::joining;
  return h.state;
}

std::optional<HostIndex> Pool::master() const {
  for (HostIndex h = 0; h < impl_->n(); ++h) {
    if (impl_->hosts[h].is_master) return h;
  }
  return std::nullopt;
}

VmState Pool::vm_state(VmIndex vm) const {
  const Impl::Vm& v = impl_->vms[vm];
  if (!v.instance) return VmState::halted;
  return v.booted ? VmState::running : VmState::starting;
}

std::optional<HostIndex> Pool::vm_host(VmIndex vm) const { return impl_->vms[vm].instance; }
std::size_t Pool::host_count() const { return impl_->n(); }
std::size_t Pool::vm_count() const { return impl_->vms.size(); }
const std::string& Pool::host_name(HostIndex host) const { return impl_->name(host); }
const std::string& Pool::vm_name(VmIndex vm) const { return impl_->vms[vm].config.name; }

}  // namespace poolsim::models
