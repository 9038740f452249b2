// The master's HA monitor (xapi_ha.ml Monitor.ha_monitor; xapi_ha_vm_failover.ml restart_auto_run_vms): a thread
// of the master's xapi. A new one first waits for the live hosts to enable themselves (wait_for_slaves_on_master),
// then loops: it waits monitor_interval (20 s; nothing but its stop wakes it sooner), then processes the liveset.
// Each pass marks the hosts that left the liveset dead and their VMs halted, then restarts the VMs HA must run, by
// priority and order groups with their start delays, placed by the restart plan or by free memory, retried; the
// loop waits again only once the pass's last VM start has returned.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

// What the monitor keeps of each VM between passes.
struct RestartState {
  bool pending = false;  // in a restart pass's later order group
  std::optional<SimTime> last_attempt;
  bool alerted = false;    // HA_PROTECTED_VM_RESTART_FAILED raised since it last started
  int best_effort_owed = 0;  // start attempts still owed to a best-effort VM (xapi: 1 + 2 retries)
};

enum class MonitorStage : std::uint8_t {
  stopped,
  awaiting_hosts,  // wait_for_slaves_on_master: every live host must have enabled itself
  monitoring,
};

class HaMonitor {
 public:
  explicit HaMonitor(PoolContext& context) : ctx(context) {}
  void init(std::size_t vms);

  RestartState& vm(VmIndex v) { return vms_[v]; }
  // A best-effort VM gets one attempt and up to xapi_globs ha_best_effort_max_retries = 2 more, one per pass.
  static constexpr int best_effort_attempts = 3;

  // Time 0: master m's monitor has been monitoring; its loop is anchored now and a pass runs now.
  void resume(HostIndex m);
  // A new monitor thread of master m's xapi (xapi restarted as master, HA enabled): it waits for the hosts first.
  void start_thread(HostIndex m);
  // The master's monitor stops (its host stopped, its xapi hung or restarted, HA disabled).
  void stop();
  bool running() const { return stage_ != MonitorStage::stopped; }
  // Something a pass acts on changed, or is due at `due`: master m's loop processes the liveset at its first
  // wakeup after it. A periodic pass with nothing to do changes nothing, so only these wakeups are scheduled.
  void wake(HostIndex m);
  void wake_after(HostIndex m, SimTime due);

 private:
  void wakeup(HostIndex m);
  void pass(HostIndex m);
  void pass_done(HostIndex m);
  bool hosts_enabled(HostIndex m) const;
  void statefile_warning(HostIndex m);
  void schedule_retry(HostIndex m);
  void start_group(HostIndex m, std::uint64_t term, std::vector<VmIndex> queue_of_vms, std::size_t begin);
  bool try_start(HostIndex m, VmIndex v);

  PoolContext& ctx;
  std::vector<RestartState> vms_;
  MonitorStage stage_ = MonitorStage::stopped;
  SimTime anchor_;  // the instant the loop's current wait started: its wakeups are anchor + k * monitor_interval
  SimTime thread_start_;  // for monitor_startup_timeout
  EventHandle wakeup_;
  SimTime wakeup_at_;
  bool in_pass_ = false;                  // a pass runs: its VM starts have not all returned
  std::optional<SimTime> deferred_;       // a wakeup asked for while a pass runs
  std::vector<std::optional<HostIndex>> planned_host_;  // the last restart plan, per VM
  bool liveset_grew_ = false;                           // a host became live since the last pass
  bool statefile_lost_raised_ = false;  // HA_STATEFILE_LOST's edge trigger, cleared when the thread starts
};

}  // namespace poolsim::models
