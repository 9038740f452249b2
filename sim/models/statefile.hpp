// The statefile on the heartbeat SR (xha daemon/statefile.c, lock_mgr.c): each host's I/O outcome on it, the
// statefile watchdog that fences a host whose I/O hangs, and the master lock.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/models/storage.hpp"

namespace poolsim::models {

struct PoolContext;

class Statefile {
 public:
  explicit Statefile(PoolContext& context) : ctx(context) {}
  void init(std::size_t hosts);

  // Reads every host's I/O outcome on the heartbeat SR (at time 0).
  void read_initial();
  IoOutcome io(HostIndex h) const { return io_[h]; }
  // h's daemon runs and its statefile cycles complete.
  bool writes(HostIndex h) const;
  // After a change in the storage: each host's outcome, its statefile watchdog, a daemon waiting for it.
  void storage_changed();
  // The statefile watchdog stops with the daemon, and when it survives by rule 2 (it no longer needs the file).
  void stop_watchdog(HostIndex h);

  // The master lock lives as long as its holder's daemon renews it (lock_mgr.c): free once that daemon is gone.
  std::optional<HostIndex> lock_holder() const { return lock_holder_; }
  void take_lock(HostIndex h) { lock_holder_ = h; }
  void release_lock(HostIndex h);

 private:
  // h's I/O completes again after failing: a failed cycle ended at once, so its first good read is its next
  // cycle on its grid, and that read finds the slots written meanwhile.
  void read_at_next_cycle(HostIndex h);
  // The hung cycles that completed at this instant read once every write of the instant has gone through: the
  // storage of several hosts comes back in one instant one host at a time, and in xhad the cycle after a hung
  // one starts at once (statefile.c sfthread), so it finds the writes of the same moment.
  void read_after_this_instant(HostIndex h);
  struct PendingRead {
    HostIndex host;
    std::uint64_t life;  // the host's life and its daemon's start: the read is void once either changed
    SimTime anchor;
  };
  PendingRead pending_read(HostIndex h) const;
  void read_if_unchanged(const PendingRead& r);
  PoolContext& ctx;
  std::vector<IoOutcome> io_;
  std::vector<EventHandle> watchdog_;
  std::vector<PendingRead> resumed_;  // the reads read_after_this_instant gathers
  EventHandle resumed_read_;
  std::optional<HostIndex> lock_holder_;
};

}  // namespace poolsim::models
