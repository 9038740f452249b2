// xhad's toolstack monitor (xha daemon/xapi_mon.c): from the daemon's start its loop sleeps tXapi (the health
// check interval), and once the daemon has joined (start_xapi_monitor) runs xapi's health check with timeout
// TXapi. A failed check restarts xapi (xapi_restart); a restart that does not succeed within TRestartXapi, every
// attempt included, makes the host fence after 2 t1 "to notify the other hosts". Only the instants where the
// toolstack is unhealthy are scheduled: a healthy check changes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

// How the toolstack is failing (the fault verbs xapi_hang, xapi_crash, xapi_disable).
enum class ToolstackFault : std::uint8_t {
  none,
  hung,      // answers nothing; its restart hangs too
  crashed,   // not running: the health check fails at once, a restart cures it
  disabled,  // the service cannot start: the health check and every restart fail at once
};

struct XapimonLoop {
  enum class Stage : std::uint8_t { sleeping, checking, restarting, fencing };
  Stage stage = Stage::sleeping;
  SimTime grid;                      // the loop's grid: the daemon's start, then the end of each restart
  SimTime stage_start;               // when the health check or the restart began
  std::optional<SimTime> restarted;  // the last successful restart (time_restarted; one per daemon process)
  std::int64_t restart_count = 0;    // restart attempts counted since its last reset (a static restart_count)
  EventHandle next;
};

class Xapimon {
 public:
  explicit Xapimon(PoolContext& context) : ctx(context) {}
  void init(std::size_t hosts);

  // A new daemon process: its loop starts now, its counters afresh.
  void daemon_started(HostIndex h);
  // The daemon stopped (or its host did): the loop ends.
  void daemon_stopped(HostIndex h);
  // The toolstack failed, or the daemon joined: the check that finds the failure.
  void changed(HostIndex h);
  // The operator cured the toolstack: a running check succeeds now, a running restart at its next poll.
  void restored(HostIndex h);

 private:
  void check(HostIndex h);
  void restart(HostIndex h);
  void restart_succeeded(HostIndex h);
  void restart_failed(HostIndex h);
  Duration poll() const;  // the restart's wait polls every TRestartXapi / 10 (XAPIMON_WAITCHLD_POLLING_DIVIDER)

  PoolContext& ctx;
  std::vector<XapimonLoop> loops_;
};

}  // namespace poolsim::models
