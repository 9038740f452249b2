// xapi, the toolstack on each host: its start, its failures (xhad's health check of it is xapi_mon.hpp), the slaves'
// poll for their master and the election through the master lock (xapi_ha.ml on_master_failure, xha
// ha_propose_master), the power-state resync of a host that booted, and the edge trigger of the HA monitor loop
// on xhad's bonding warning. The master's own parts are xapi_ha_monitor.hpp and failover_plan.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"
#include "xapi_mon.hpp"

namespace poolsim::models {

struct PoolContext;

struct Toolstack {
  bool alive = true;  // false while it fails (fault)
  ToolstackFault fault = ToolstackFault::none;
  bool is_master = false;
  SimTime anchor;  // xapi's start: its loops' grids start here
  // When the master's database has it enabled again (Host.enabled): a new master's xapi sets every host disabled
  // at its start (on_database_engine_ready) and each re-enables itself once its own xapi has restarted; unset
  // while it has not.
  std::optional<SimTime> enabled_at = SimTime{};
  EventHandle master_poll;
  SimTime master_poll_at;
  bool bond_error_raised = false;  // HA_NETWORK_BONDING_ERROR raised, not yet cleared (xapi_ha.ml boolean_warning)
  EventHandle bond_warning;
};

class Xapi {
 public:
  explicit Xapi(PoolContext& context) : ctx(context) {}
  void init(std::size_t hosts);

  Toolstack& operator[](HostIndex h) { return toolstacks_[h]; }
  const Toolstack& operator[](HostIndex h) const { return toolstacks_[h]; }

  // Who acts as master (ground truth).
  std::optional<HostIndex> master() const;
  // At time 0: `m` is master and holds the lock.
  void set_initial_master(HostIndex m);

  void start(HostIndex h);         // xapi starts on a host that is up
  void host_stopped(HostIndex h);  // the host stopped: xapi with it
  void daemon_stopped(HostIndex h);  // its HA daemon stopped: the poll and the warning read stop
  void fail(HostIndex h, ToolstackFault fault);  // the toolstack hangs, crashes or is disabled
  void restore(HostIndex h);                     // the operator cures it
  void restarted_by_xhad(HostIndex h);           // xhad's restart brought a crashed toolstack back

  // A slave polls the liveset for its master; only a poll that finds the master gone is scheduled.
  void schedule_master_poll(HostIndex h);
  // After h's liveset changed: a master poll, joins to retry, the master's monitor.
  void liveset_changed(HostIndex h);
  // A host that booted: the VMs its database had running there are not (power-state resync).
  void resync_vms(HostIndex h);
  // The bonding warning is read at xapi's next monitor loop.
  void schedule_bond_warning(HostIndex h);
  // Hosts back from an unclean stop whose xapi reaches the master's now raise HA_HOST_WAS_FENCED.
  void sync_with_master();
  void await_master_sync(HostIndex h);
  // xapi starts VM v on `host`: the database has it running there, the host creates its domain.
  void start_vm(VmIndex v, HostIndex host);

  // The master changes: a deposed master's pass stops (its term ended).
  std::uint64_t master_term() const { return master_term_; }
  void new_term() { ++master_term_; }
  std::optional<HostIndex> last_master;  // the last host to take the master role, for master_changed records

 private:
  void back(HostIndex h);
  void master_poll(HostIndex h);
  void restart_as_master(HostIndex h);
  void hosts_follow_new_master(HostIndex m);

  PoolContext& ctx;
  std::vector<Toolstack> toolstacks_;
  std::size_t awaiting_sync_ = 0;  // hosts whose HA_HOST_WAS_FENCED waits for the master
  std::uint64_t master_term_ = 0;
};

}  // namespace poolsim::models
