// The pool: hosts, their HA daemons (xhad), xapi on each host and the pool master's xapi, and VMs — the HA
// behaviour of a XenServer pool on top of the physical network and storage models. Pool is the facade; each
// component of XenServer is its own file under sim/models/ (docs/architecture.md "The pool's components"):
// host_machine, xhad with its heartbeat transport, statefile, fault_handler, xapi, xapi_database,
// xapi_ha_monitor, failover_plan, invariants, operations.
//
// What each host knows comes only from what the network and storage carry: the network heartbeats it hears
// and the statefile slots it reads. docs/model.md says what is modelled, with sources, and what is not yet.
//
// Host states (ground truth, read by checkers and expectations):
//   up -> [crash] -> down -> [power_on] -> booting -> [boot_time] -> up
//   up -> [self-fence] -> fenced -> [reboot by the Xen watchdog, at once] -> booting -> up
//   up -> [reboot] -> booting -> up
//   up -> [enter_maintenance: evacuated by live migration] -> maintenance -> [exit_maintenance] -> up
// An `up` host's HA daemon joins the liveset when it can reach the statefile; otherwise it stays out and
// retries when the statefile returns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/kernel/time.hpp"
#include "poolsim/models/network.hpp"
#include "poolsim/models/storage.hpp"

namespace poolsim::models {

using HostIndex = std::uint32_t;
using VmIndex = std::uint32_t;

enum class IntervalFormula : std::uint8_t { current, legacy };

// xhad's timers, all derived from the HA timeout T (docs/model.md "HA timers"; xen-api ocaml/xapi/xapi_ha.ml Timeouts.derive).
struct HaTimers {
  Duration timeout;             // T
  Duration network_interval;    // t1: a network heartbeat every t1
  Duration statefile_interval;  // t2: a statefile write and read every t2
  Duration heartbeat_timeout;   // a peer not heard for this long leaves the heartbeat domain (T)
  Duration statefile_timeout;   // a slot not updated for this long leaves the statefile domain (T)
  Duration heartbeat_watchdog;  // Wh: a daemon that sent no heartbeat this long fences (T; no daemon stall is
                                // simulated: it only sets the phase-4 sleep)
  Duration statefile_watchdog;  // Ws: statefile I/O hung this long since the last good cycle: fence (T + 15 s)
  Duration join_timeout;        // boot and enable join timeout (T + 60 s)

  // current: t1 = min((T + 10) div 10, 3) s, t2 = max(2, T div 20) s (xen-api PR #4169, 2020);
  // legacy: t1 = t2 = (T + 10) div 10 s. T is whole seconds.
  static HaTimers derive(Duration timeout, IntervalFormula formula);
};

// xapi's timers (docs/model.md "HA timers" and "Master election").
struct XapiTimers {
  Duration master_poll_interval = Duration::seconds(20);  // slaves check the liveset for their master
  // The fuse: a host that takes the master lock, or learns of a new master, restarts its xapi after
  // max(5 s, 10 s - the time spent saving its statistics), xapi_fuse.ml light_fuse_and_run; that time is nil here.
  Duration become_master_delay = Duration::seconds(10);
  Duration monitor_interval = Duration::seconds(20);  // the HA monitor loop's wait (xapi_globs ha_monitor_interval)
  // A new master's monitor waits at most this long for the live hosts to enable themselves
  // (xapi_globs ha_monitor_startup_timeout).
  Duration monitor_startup_timeout = Duration::minutes(30);
  Duration restart_retry_delay = Duration::seconds(120);  // a failed VM start is not retried sooner
  Duration plan_interval = Duration::minutes(30);  // the master replans at least this often (ha_monitor_plan_interval)
  Duration health_check_interval = Duration::seconds(60);
  Duration health_check_timeout = Duration::seconds(120);
  Duration restart_timeout = Duration::seconds(300);  // xhad's restart attempts of a failed xapi, all of them
  std::int64_t restart_attempts = 1;                   // xhad's toolstack restarts in one wait (xapi_mon.c)
  // How long a restarted xapi takes to run again: not in the sources (an assumption; xapi's own start).
  Duration toolstack_start = Duration::seconds(30);
  // After a failed HA daemon start (a join that failed, no statefile access), xapi starts it again this long
  // after (xapi_ha.ml on_server_restart: "will retry in 10s").
  Duration join_retry_interval = Duration::seconds(10);
};

// How heartbeats are simulated: `compressed` schedules only the instants where a peer enters or leaves a domain,
// computed from the heartbeat grids; `messages` sends every heartbeat and statefile cycle through the kernel.
// Both give the same timeline, byte for byte (docs/performance.md); messages is the reference.
enum class HeartbeatMode : std::uint8_t { compressed, messages };

enum class RestartPriority : std::uint8_t { restart, best_effort, do_not_restart };
std::string_view to_token(RestartPriority priority);

struct HostConfig {
  std::string name;
  std::uint64_t memory = 0;  // bytes, the host's total
  Duration boot_time;
  Interface management;
  std::uint64_t memory_overhead = 0;  // not available to VMs: the control domain, Xen (xapi host.memory_overhead)
  // xhad's bond monitor watches the management bond (bond_mon.c reads /proc/net/bonding: a Linux bond, the
  // bridge network backend; an Open vSwitch bond has no such file and is never reported).
  bool bond_monitor = false;
  // The management interface's speed in bytes per second (a bond: its slowest member): live migrations to or
  // from the host run at the lower of the two hosts' speeds.
  std::uint64_t management_bytes_per_second = 125'000'000;
  // The interface carrying each network of the pool on this host (its PIF), by network index; none when the host
  // has no PIF on it.
  std::vector<std::optional<Interface>> pifs{};
  std::vector<BondIndex> bonds{};  // its bonds, watched by its xcp-networkd
};

struct VmConfig {
  std::string name;
  std::uint64_t memory = 0;
  std::optional<HostIndex> host;  // running there at time 0; halted when none
  RestartPriority priority = RestartPriority::do_not_restart;
  std::int64_t order = 0;
  Duration start_delay;
  Duration boot_time;  // from start to running
  bool agile = true;   // every disk on a shared SR and every network shared (the CD aside)
  bool cd_inserted = false;  // a CD in its drive (from the host's drive or a local ISO SR): not agile while in
  bool always_run_when_halted = false;  // no host at time 0 but ha_always_run set: a `restart` VM HA must start
  std::vector<ArrayIndex> disks{};        // the SRs holding its disks (the CD aside), each once
  std::vector<std::uint32_t> networks{};  // its networks, by index in PoolConfig::networks, each once
};

// A network of the pool. An external one has a PIF on some host; a VM on a host without one is cut off. An
// internal network (no PIF anywhere) stays within the host and never cuts a VM off.
struct NetworkConfig {
  std::string name;
  bool external = false;
};

struct PoolConfig {
  std::vector<HostConfig> hosts;  // in tie-break order (docs/model.md "Survival rules": lowest first)
  std::vector<VmConfig> vms;
  std::vector<NetworkConfig> networks;
  HostIndex master = 0;
  bool ha_enabled = false;
  bool allow_overcommit = false;  // xapi pool.ha_allow_overcommit: no operation is refused for the plan's sake
  std::optional<ArrayIndex> heartbeat_sr;
  std::int64_t host_failures_to_tolerate = 0;
  HaTimers ha;
  XapiTimers xapi;
  HeartbeatMode heartbeats = HeartbeatMode::compressed;
  std::uint64_t placement_seed = 0;  // xapi's random pick of a host for a start without one (choose_host)
};

// joining: up, its HA daemon started and not yet in the live hosts' livesets (docs/model.md "Host states").
enum class HostState : std::uint8_t { up, joining, maintenance, fenced, booting, down };
std::string_view to_token(HostState state);
// impaired: running but not serving, its disks' I/O not completing or a network without an up path
// (docs/model.md "Serving"). Pool::vm_power_state() never says impaired.
enum class VmState : std::uint8_t { running, starting, halted, impaired };
std::string_view to_token(VmState state);

// Thrown when a safety rule (docs/model.md "Safety rules") is broken: a bug in the model, reported with the time.
struct InvariantViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Pool {
 public:
  Pool(EventQueue& queue, EventBus& bus, Network& network, Storage& storage, PoolConfig config);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Time 0: every host up, VMs on their hosts, HA daemons running with every host in the liveset.
  void start();

  // Faults and operations (docs/scenario-format.md "Fault verbs"), applied at the current time.
  void crash(HostIndex host);
  void power_on(HostIndex host);
  void reboot(HostIndex host);
  void xapi_hang(HostIndex host);
  void xapi_crash(HostIndex host);
  void xapi_disable(HostIndex host);
  void xapi_restore(HostIndex host);
  // Cuts the management network between every two groups; hosts in no group keep their links.
  void partition(const std::vector<std::vector<HostIndex>>& groups);
  void heal();
  // Operations (docs/model.md "Operations"). One that XenServer would refuse records `operation_refused op=… reason=…` and
  // changes nothing.
  void enter_maintenance(HostIndex host, std::optional<HostIndex> new_master);
  void exit_maintenance(HostIndex host);
  void vm_start(VmIndex vm, std::optional<HostIndex> host);
  void vm_shutdown(VmIndex vm);
  // A CD from a non-shared SR into or out of the VM's drive. Inserting one into a protected VM with HA on is
  // refused (xapi_vbd_helpers.ml assert_doesnt_make_vm_non_agile: HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED).
  void insert_cd(VmIndex vm);
  void eject_cd(VmIndex vm);
  void ha_disable();
  void ha_enable();
  // Host failures to tolerate; raising it is refused when the planner finds no plan for the new value.
  void set_ntol(std::int64_t value);

  // Ground truth, for checkers and expectations only: no host's decision reads these.
  HostState host_state(HostIndex host) const;
  std::optional<HostIndex> master() const;
  // What its users see: running, or impaired while running without serving (docs/model.md "Serving").
  VmState vm_state(VmIndex vm) const;
  // Its domain's state: starting, running (impaired or not) or halted.
  VmState vm_power_state(VmIndex vm) const;
  std::optional<HostIndex> vm_host(VmIndex vm) const;
  std::size_t host_count() const;
  std::size_t vm_count() const;
  const std::string& host_name(HostIndex host) const;
  const std::string& vm_name(VmIndex vm) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace poolsim::models
