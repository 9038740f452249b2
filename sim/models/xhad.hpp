// xhad, the HA daemon on each host (xha daemon/sm.c, heartbeat.c): whether it runs, its join into the live
// hosts' livesets, its liveset and the heartbeat and statefile domains it keeps from what the transport
// delivers, and its bond monitor (bond_mon.c). Its fault handler is fault_handler.hpp.
#pragma once

#include <cstdint>
#include <vector>

#include "heartbeat_transport.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

// A daemon's life: stopped, started and joining (not yet accepted by the live hosts), or live.
enum class DaemonState : std::uint8_t { stopped, joining, live };

struct Daemon {
  DaemonState state = DaemonState::stopped;
  bool excluded = false;  // shut down cleanly: out of survival rule 2 until it has joined again (sf_set_excluded)
  SimTime anchor;         // the daemon's start: its heartbeat and statefile grids start here
  std::vector<bool> liveset;
  // joining: its waits for every configured host are over, on the heartbeat (all heard, or T1 from its start)
  // and then on the statefile (all seen, or T2 from its start): sm.c wait_all_hosts_up_on_heartbeat/_statefile.
  bool heartbeat_wait_over = false, statefile_wait_over = false;
  bool heartbeat_timed_out = false, statefile_timed_out = false;
  bool down_recognized = false;     // joining: every live host has it out of its liveset (the join may proceed)
  EventHandle join_timeout;
  bool join_failed = false;         // gave up at the join timeout; xapi starts it again when the world changes
  bool awaiting_statefile = false;  // booted, HA join aborted until the statefile returns
  SimTime start_failed_at;          // xapi's retries of the daemon's start run every join_retry_interval from here
  EventHandle start_retry;
  bool bond_error = false;          // what the bond monitor's last check found
  EventHandle bond_check;

  bool running() const { return state != DaemonState::stopped; }
  bool joining() const { return state == DaemonState::joining; }
  bool live() const { return state == DaemonState::live; }
};

class Xhad {
 public:
  explicit Xhad(PoolContext& context) : ctx(context) {}
  void init(std::size_t hosts);

  Daemon& operator[](HostIndex h) { return daemons_[h]; }
  const Daemon& operator[](HostIndex h) const { return daemons_[h]; }

  bool in_domain(HostIndex observer, HostIndex peer, Channel c) const;
  std::size_t live_count(HostIndex h) const;
  // A host of h's liveset is out of one of h's domains.
  bool liveset_host_missing(HostIndex h) const;

  // HA starts on every host at once (time 0, ha_enable): every daemon live with every host in its liveset.
  void start_all_daemons();
  // xapi starts the daemon on a host that booted (or retries a failed join): it joins.
  void start(HostIndex h);
  // The daemon stops without the host stopping (a failed join): peers see it leave their domains.
  void stop(HostIndex h);
  // What stops with an HA daemon, whatever stops it (a failed join, ha_disable, the host itself): its
  // heartbeats, its timers, its fault handler and what it knows of its peers.
  void halt(HostIndex h);
  // After a change in the world, a host whose join failed tries again (xapi retries the join).
  void retry_failed_joins();
  // h's statefile I/O completes again: xapi's next retry starts its daemon.
  void statefile_back(HostIndex h);

  // A domain change found by the transport in the protocol band; all of an instant's are applied together.
  void found(HostIndex h, HostIndex p, Channel c, bool enter);
  // q heard a fence request that concerns it, at this instant.
  void hear_fence_request(HostIndex q);
  // Whether q, hearing a heartbeat of w now, fences on w's fence request.
  bool fence_requested(HostIndex q, HostIndex w) const;
  // After a domain change of observer h; `lost`: a host of h's liveset left a domain.
  void domains_changed(HostIndex h, bool lost);
  // Joining hosts that every live host now accepts become live.
  void check_joins();

  // The bond monitor: a check is due after a change of a management bond.
  void bonds_changed();
  void schedule_bond_check(HostIndex h);
  bool start_lost_statefile(HostIndex h);

 private:
  bool statefile_reachable(HostIndex h) const;
  void abort_start(HostIndex h);  // test_Start_Criteria's MTC_ERROR_SM_NOSTATEFILE: stop, retry once it is back
  bool start_waits_over(HostIndex j);
  void update_start_progress();
  bool at_start_criteria(HostIndex j) const;
  bool no_liveset_seen(HostIndex j) const;
  bool hears_every_host(HostIndex j) const;
  bool in_largest_partition(HostIndex j) const;
  void form_liveset(const std::vector<HostIndex>& members);
  void join_timed_out(HostIndex h);
  void schedule_settle();
  void settle();
  std::vector<bool> live_view(HostIndex j) const;
  bool bond_degraded(HostIndex h) const;

  // A domain change found in the protocol band, applied in the settle band.
  struct DomainChange {
    HostIndex observer;
    HostIndex peer;
    Channel channel;
    bool enter;
  };

  PoolContext& ctx;
  std::vector<Daemon> daemons_;
  std::vector<DomainChange> changes_;       // found at this instant, to settle
  std::vector<HostIndex> fence_requests_;   // hosts that heard a fence request at this instant
  EventHandle settle_event_;
};

}  // namespace poolsim::models
