// The specs of a scenario: plain data, as the scenario file describes the pool, its faults and its expectations.
//
// A spec is what load_scenario returns once the file is valid (load.hpp); its defaults come from the parameter
// table (parameters.hpp), which the loader applies, so a member here has no default of its own beyond zero.
// Every element carries the position it was read from, for later diagnostics. A reference to another element
// (a host, a switch, an SR...) is a Ref: the name as written and where; an empty name means "not given".
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "poolsim/kernel/time.hpp"
#include "poolsim/scenario/enums.hpp"

namespace poolsim::scenario {

// A position in a scenario file, 1-based; 0:0 when the element was not read from a file. `file` is 0 for the
// scenario itself and 1 for the file its pool is taken from (`pool: {from: FILE}`).
struct SourcePos {
  int line = 0;
  int column = 0;
  int file = 0;
};

// A reference to a named element of the pool; `name` is empty when the reference is not given.
struct Ref {
  std::string name;
  SourcePos pos;
};

// An Ethernet switch; `links` are the switches it is stacked or cabled to (docs/model.md "Network pieces").
struct SwitchSpec {
  std::string name;
  std::vector<Ref> links;
  bool lacp = false;  // whether its ports negotiate LACP (needed by lacp_tcp and lacp_mac bonds)
  SourcePos pos;
};

// A target port of a network storage array, cabled to a switch.
struct PortalSpec {
  std::string name;
  Ref on_switch;
  SourcePos pos;
};

// dm-multipath settings of an SR (xapi-project/sm multipath.conf, docs/model.md "Storage and multipath").
struct MultipathSpec {
  Duration polling_interval;
  // Path checks to queue I/O for once no path is left, then fail; 0 fails at once (`fail`);
  // std::nullopt queues for ever (`queue`).
  std::optional<std::int64_t> no_path_retry;
  Duration failback;
  PathGrouping path_grouping_policy = PathGrouping::failover;
};

// A storage repository (docs/model.md "Storage pieces").
struct StorageSpec {
  std::string name;
  StorageType type = StorageType::iscsi;
  std::uint64_t size = 0;  // bytes
  std::vector<PortalSpec> portals;
  MultipathSpec multipath;
  Duration replacement_timeout;  // open-iscsi: how long a dead session is kept before I/O errors
  Ref host;                      // the host a local SR belongs to
  SourcePos pos;
};

// A pool-wide network. A VM on it is agile only when it is shared and every host has an interface on it.
struct NetworkSpec {
  std::string name;
  bool shared = true;
  SourcePos pos;
};

// A physical port of a host, cabled to a switch.
struct NicSpec {
  std::string name;
  Ref on_switch;
  std::uint64_t speed = 1'000'000'000;  // bits per second
  SourcePos pos;
};

// A bond of two or more NICs of one host, with xapi's timing (ocaml/xapi/nm.ml, docs/model.md "Bonds").
struct BondSpec {
  std::string name;
  std::vector<Ref> members;
  BondMode mode = BondMode::active_backup;
  Duration miimon;      // carrier poll period
  Duration downdelay;   // a member goes down this long after its carrier
  Duration updelay;     // a member comes back this long after its carrier
  LacpRate lacp_rate = LacpRate::slow;
  Duration rebalance_interval;  // active_active: how often traffic is respread
  SourcePos pos;
};

// Which host interface (NIC or bond) carries a network.
struct PifSpec {
  Ref network;
  Ref interface;
};

// A host of the pool (docs/model.md "Host states").
struct HostSpec {
  std::string name;
  std::string uuid;  // empty when not given; orders hosts for the tie-break (docs/model.md "Survival rules")
  bool master = false;
  std::uint64_t memory = 0;  // bytes
  std::uint64_t control_domain_memory = 0;  // bytes of `memory` VMs may not use: dom0, Xen, crash kernel
  std::int64_t cpus = 0;
  Duration boot_time;
  std::vector<NicSpec> nics;
  std::vector<BondSpec> bonds;
  Ref management;                  // the interface of the network heartbeat
  std::vector<Ref> storage_via;    // interfaces the storage paths leave from
  std::vector<PifSpec> pif_networks;
  SourcePos pos;
};

// A VM's HA plan (docs/model.md "VMs and their HA plan").
struct VmHaSpec {
  RestartPriority restart_priority = RestartPriority::do_not_restart;
  std::int64_t order = 0;  // lower starts first
  Duration start_delay;    // waited after starting this VM before the next order group
};

// A VM. With no `host` it is halted at the start.
struct VmSpec {
  std::string name;
  std::uint64_t memory = 0;  // bytes
  std::int64_t vcpus = 0;
  Ref host;
  std::vector<Ref> disks;     // SRs
  std::vector<Ref> networks;
  bool cd_inserted = false;
  Duration boot_time;
  VmHaSpec ha;
  // Halted at time 0 but protected (xapi's ha_always_run still set, `ha: {always_run: true}`): HA must start it.
  // Removing a host (what_if.hpp) sets it for that host's protected VMs.
  bool always_run_when_halted = false;
  SourcePos pos;
};

// Protected at time 0 (xapi's ha_always_run with restart priority `restart`): a `restart` VM running then, or one
// halted with ha_always_run still set. A `restart` VM halted at time 0 is not (docs/model.md "Protected VMs").
inline bool protected_at_start(const VmSpec& vm) {
  return vm.ha.restart_priority == RestartPriority::restart && (!vm.host.name.empty() || vm.always_run_when_halted);
}

// Optional overrides of the timers xhad derives from the HA timeout (docs/model.md "HA timers").
struct HaTimerOverrides {
  std::optional<Duration> network_interval;    // t1
  std::optional<Duration> statefile_interval;  // t2
  std::optional<Duration> heartbeat_timeout;
  std::optional<Duration> statefile_timeout;
  std::optional<Duration> heartbeat_watchdog;
  std::optional<Duration> statefile_watchdog;
  std::optional<Duration> join_timeout;
};

// xapi's HA-related timing (xapi_globs.ml, docs/model.md "HA timers", "Master election").
struct XapiSpec {
  Duration health_check_interval;
  Duration health_check_timeout;
  std::int64_t restart_attempts = 0;
  Duration restart_timeout;
  Duration monitor_interval;
  Duration plan_interval;
  Duration master_poll_interval;
  Duration restart_retry_delay;
};

// The pool's HA settings (docs/model.md "HA timers").
struct HaSpec {
  bool enabled = false;
  Ref heartbeat_sr;
  Duration timeout;
  std::int64_t host_failures_to_tolerate = 0;
  bool allow_overcommit = false;  // xapi pool.ha_allow_overcommit: overcommit protection off
  IntervalFormula interval_formula = IntervalFormula::current;
  HaTimerOverrides overrides;
  XapiSpec xapi;
  SourcePos pos;
};

// The pool as it is built at time 0.
struct PoolSpec {
  NetworkBackend network_backend = NetworkBackend::openvswitch;
  SourcePos network_backend_pos;
  std::vector<SwitchSpec> switches;
  std::vector<StorageSpec> storage;
  std::vector<NetworkSpec> networks;
  std::vector<HostSpec> hosts;
  std::vector<VmSpec> vms;
  HaSpec ha;
  SourcePos pos;
};

// The most memory one host has for VMs: its memory less the control domain's (xapi's memory_check.ml
// host_compute_free_memory_with_policy, before any VM). A VM above it starts on no host of the pool.
inline std::uint64_t largest_host_vm_memory(const PoolSpec& pool) {
  std::uint64_t most = 0;
  for (const HostSpec& host : pool.hosts) {
    if (host.memory > host.control_domain_memory) most = std::max(most, host.memory - host.control_domain_memory);
  }
  return most;
}

// A scripted fault: a verb at a time, with the arguments its verb takes (fault_verbs.hpp); unused ones empty.
struct FaultSpec {
  Duration at;
  FaultVerb verb = FaultVerb::crash;
  Ref host;
  std::vector<Ref> nics;
  Ref on_switch;
  Ref portal;
  Ref storage;
  std::vector<std::vector<Ref>> groups;
  Ref new_master;
  Ref vm;
  std::int64_t value = 0;
  SourcePos pos;
};

// How long a random fault lasts before its repair. Only the fields of `distribution` are set:
// exponential: mean; lognormal: median, p95; weibull: shape, scale; fixed: value.
struct RepairSpec {
  RepairDistribution distribution = RepairDistribution::exponential;
  Duration mean;
  Duration median;
  Duration p95;
  double shape = 0;
  Duration scale;
  Duration value;
};

// A failure process: each target of the kind fails with this mean time between failures, then is repaired.
struct RandomFaultSpec {
  RandomTarget target = RandomTarget::hosts;
  FaultVerb verb = FaultVerb::crash;
  Duration mtbf;
  std::optional<RepairSpec> repair;  // none for reboot
  SourcePos pos;
};

// The kinds of expectation (docs/scenario-format.md "Expectations").
enum class ExpectKind {
  host_state,  // {host, state, within: [a, b]} or {host, state, by}: the host enters the state in [earliest, latest]
  host_never,  // {host, never: state}: the host never enters the state
  master,      // {master, by}: that host is the master at `latest`
  vm_state,    // {vm, state, on?, by}: the VM is in the state (on that host) at `latest`
  vm_order,    // {vm, started_after, at_least?}: the VM's last start comes after the other VM's (by `at_least`)
  vm_never,    // {vm, never: condition}: the condition never holds for the VM
  vm_downtime, // {vm, downtime_at_most}: the VM's downtime over the run is at most `downtime_at_most`
  service_downtime,  // {service, downtime_at_most}: the service is unavailable at most that long over the run
  alert_by,    // {alert, by}: the alert is raised at or before `latest`
  alert_never  // {alert, never: true}: the alert is never raised
};

// An expectation checked at the end of a run; failing one gives exit status 1.
struct ExpectationSpec {
  ExpectKind kind = ExpectKind::host_state;
  Ref host;      // host_state, host_never, master
  Ref vm;        // vm_state, vm_order
  Ref on;        // vm_state, optional
  Ref started_after;
  Ref service;   // service_downtime
  Ref alert;     // alert_by, alert_never: XenServer's message name (models::alert_table)
  HostExpectState host_state = HostExpectState::up;
  VmExpectState vm_state = VmExpectState::running;
  VmNeverState vm_never = VmNeverState::halted;
  Duration earliest;
  Duration latest;
  Duration at_least;          // vm_order: the least time from the other VM's last start to this one's
  Duration downtime_at_most;  // vm_downtime, service_downtime
  SourcePos pos;
};

// What the user's service needs of its VMs (docs/scenario-format.md "Services"): it is available while at least
// `need` of `vms` serve (run and reach their disks and networks: docs/model.md "Serving").
struct ServiceSpec {
  std::string name;
  std::vector<Ref> vms;
  std::int64_t need = 1;
  SourcePos pos;
};

// A whole scenario file.
struct ScenarioSpec {
  std::string name;
  std::string description;
  std::uint64_t seed = 0;
  Duration until;
  std::optional<UtcTime> start = std::nullopt;  // the wall-clock time of simulated 0 (`start:`), for the reports only
  PoolSpec pool;
  std::vector<FaultSpec> faults;
  std::vector<RandomFaultSpec> random_faults;
  std::vector<ServiceSpec> services;
  std::vector<ExpectationSpec> expectations;
  // Where the pool came from when not written inline: the pool file as the scenario names it, joined to the
  // scenario's folder (empty for an inline pool), and each what-if change applied, as written ("remove host
  // xs3"). A scenario with either is recorded as the YAML of the whole result (emit.hpp), not as its own text.
  std::string pool_file;
  std::vector<std::string> changes;
};

}  // namespace poolsim::scenario
