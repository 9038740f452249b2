// The master's HA monitor (xapi_ha.ml, the monitor thread; xapi_ha_vm_failover.ml restart_auto_run_vms): each
// pass marks the hosts that left the liveset dead and their VMs halted, then restarts the VMs HA must run, by
// priority and order groups with their start delays, placed by the restart plan or by free memory, retried.
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

class HaMonitor {
 public:
  explicit HaMonitor(PoolContext& context) : ctx(context) {}
  void init(std::size_t vms);

  RestartState& vm(VmIndex v) { return vms_[v]; }
  // A best-effort VM gets one attempt and up to xapi_globs ha_best_effort_max_retries = 2 more, one per pass.
  static constexpr int best_effort_attempts = 3;

  // The monitor starts now: its loop grid is anchored here.
  void begin();
  // The master's monitor stops (its host stopped, HA disabled).
  void stop();
  bool running() const { return anchor_.has_value(); }
  SimTime anchor() const { return *anchor_; }
  // A pass of master m at this instant, after the events already due, unless its term ends first.
  void schedule_pass_now(HostIndex m);
  // One pass of the monitor (restart_auto_run_vms).
  void pass(HostIndex m);

 private:
  void schedule_retry(HostIndex m);
  void start_group(HostIndex m, std::uint64_t term, std::vector<VmIndex> queue_of_vms, std::size_t begin);
  void restarts_done(HostIndex m);
  bool try_start(HostIndex m, VmIndex v);

  PoolContext& ctx;
  std::vector<RestartState> vms_;
  std::optional<SimTime> anchor_;  // the monitor grid starts when its master becomes master
  EventHandle wakeup_;
  bool in_pass_ = false;  // a pass is starting its first restart group
  std::vector<std::optional<HostIndex>> planned_host_;  // the last restart plan, per VM
  bool liveset_grew_ = false;                           // a host became live since the last pass
};

}  // namespace poolsim::models
