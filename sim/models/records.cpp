// The table of records, alerts and refusals, and the one place the models publish: records.hpp.
#include "poolsim/models/records.hpp"

#include <algorithm>
#include <stdexcept>

namespace poolsim::models {

std::string_view to_token(RecordSource source) {
  switch (source) {
    case RecordSource::host: return "<host>";
    case RecordSource::ha_daemon: return "<host>/ha";
    case RecordSource::vm: return "vm/<vm>";
    case RecordSource::pool: return "pool";
    case RecordSource::nic: return "<host>/<nic>";
    case RecordSource::bond: return "<host>/<bond>";
    case RecordSource::network_switch: return "<switch>";
    case RecordSource::array: return "<array>";
    case RecordSource::portal: return "<array>/<portal>";
    case RecordSource::storage_io: return "<host>/<array>";
    case RecordSource::path: return "<host>/<array>/<portal>";
  }
  return "unknown";
}

std::string_view to_token(Role role) {
  switch (role) {
    case Role::context: return "context";
    case Role::fault: return "fault";
    case Role::repair: return "repair";
    case Role::consequence: return "consequence";
    case Role::boot: return "boot";
  }
  return "unknown";
}

namespace {
using enum RecordSource;
constexpr std::optional<HostState> no_host;
constexpr std::optional<VmState> no_vm;
}  // namespace

constexpr std::array<RecordSpec, 72> record_table{{
    {Rec::host_crashed, "host_crashed", host, "", HostState::down, no_vm, "the host lost power or crashed (a fault)", Role::fault},
    {Rec::host_rebooting, "host_rebooting", host, "", HostState::booting, no_vm,
     "a clean reboot: its HA daemon is excluded from survival rule 2 until it is back", Role::fault},
    {Rec::host_booting, "host_booting", host, "", HostState::booting, no_vm,
     "firmware and boot begin (after power_on, a reboot or a fence)", Role::boot},
    {Rec::host_up, "host_up", host, "", HostState::up, no_vm, "booted: xapi starts, then the HA daemon"},
    {Rec::xapi_hung, "xapi_hung", host, "", no_host, no_vm,
     "the toolstack stops answering, and a restart hangs too (a fault)", Role::fault},
    {Rec::xapi_crashed, "xapi_crashed", host, "", no_host, no_vm,
     "the toolstack stops running; a restart by xhad cures it (a fault)", Role::fault},
    {Rec::xapi_disabled, "xapi_disabled", host, "", no_host, no_vm,
     "the toolstack stops and its service cannot start: every restart fails at once (a fault)", Role::fault},
    {Rec::xapi_restored, "xapi_restored", host, "", no_host, no_vm, "the toolstack answers again", Role::repair},
    {Rec::maintenance_started, "maintenance_started", host, "", no_host, no_vm,
     "the host is disabled and its VMs are being live-migrated away", Role::fault},
    {Rec::maintenance_entered, "maintenance_entered", host, "", no_host, no_vm, "the host is evacuated"},
    {Rec::maintenance_exited, "maintenance_exited", host, "", no_host, no_vm, "the host is enabled again", Role::repair},

    {Rec::daemon_started, "daemon_started", ha_daemon, "", HostState::joining, no_vm,
     "xhad started on a host that booted, or retried a join: it joins the live hosts"},
    {Rec::join_aborted, "join_aborted", ha_daemon, "reason", no_host, no_vm,
     "the daemon cannot start: the statefile is unreachable; it starts when the statefile returns", Role::consequence},
    {Rec::joined, "joined", ha_daemon, "hosts,live", HostState::up, no_vm,
     "the live hosts accepted the joining daemon into their livesets, or, with no liveset on the statefile, it "
     "formed one with the hosts starting with it"},
    {Rec::join_failed, "join_failed", ha_daemon, "reason", HostState::up, no_vm,
     "no join by Tboot (T + 60 s) from the start: not_accepted_by_live_hosts, not_in_largest_partition, or "
     "blocked_by_excluded (it was shut down cleanly, and some host was not); xapi starts the daemon again", Role::consequence},
    {Rec::join_cancelled, "join_cancelled", ha_daemon, "reason", HostState::up, no_vm, "HA was disabled during the join"},
    {Rec::peer_seen, "peer_seen", ha_daemon, "channel,peer", no_host, no_vm,
     "a peer entered the daemon's heartbeat (network) or statefile domain"},
    {Rec::peer_lost, "peer_lost", ha_daemon, "channel,peer", no_host, no_vm,
     "a peer left a domain: nothing heard from it for T (the HA timeout)", Role::consequence},
    {Rec::liveset_joined, "liveset_joined", ha_daemon, "hosts,live", no_host, no_vm, "hosts added to its liveset"},
    {Rec::liveset_removed, "liveset_removed", ha_daemon, "hosts,live", no_host, no_vm,
     "hosts removed from its liveset at the end of the fault handler's phase-4 sleep"},
    {Rec::fault_handler_started, "fault_handler_started", ha_daemon, "by", no_host, no_vm,
     "a host of its liveset left a domain, or (by=HOST) that host's starting fault handler called this one: the "
     "fault handler runs", Role::consequence},
    {Rec::survived, "survived", ha_daemon, "rule", no_host, no_vm,
     "the survival rule it survives by: no_partition, largest_partition or survival_rule_2"},
    {Rec::self_fence, "self_fence", ha_daemon, "reason", HostState::fenced, no_vm,
     "the daemon fences its host: the Xen watchdog reboots it at once", Role::consequence},
    {Rec::xapi_check_failed, "xapi_check_failed", ha_daemon, "reason", no_host, no_vm,
     "xhad's health check of the toolstack failed (reason=error) or timed out (reason=timeout): xhad restarts it"},
    {Rec::xapi_restarted, "xapi_restarted", ha_daemon, "", no_host, no_vm,
     "xhad's restart brought the toolstack back"},

    {Rec::vm_start, "vm_start", vm, "to", no_host, VmState::starting, "an operator started the VM", Role::repair},
    {Rec::vm_restart, "vm_restart", vm, "order,to", no_host, VmState::starting, "HA restarts the VM"},
    {Rec::vm_running, "vm_running", vm, "host", no_host, VmState::running, "the VM finished booting"},
    {Rec::vm_restart_failed, "vm_restart_failed", vm, "reason", no_host, VmState::halted,
     "an HA restart attempt failed: no_capacity or would_break_failover_plan", Role::consequence},
    {Rec::vm_left_down, "vm_left_down", vm, "reason", no_host, no_vm,
     "a best-effort VM used its attempts: HA leaves it down", Role::consequence},
    {Rec::vm_died, "vm_died", vm, "host", no_host, VmState::halted, "its host stopped under it", Role::consequence},
    {Rec::vm_halted, "vm_halted", vm, "host,reason", no_host, VmState::halted,
     "xapi marks it halted: its host failed (host_failed) or booted without it (host_restarted)"},
    {Rec::vm_shutdown, "vm_shutdown", vm, "", no_host, VmState::halted,
     "an operator shut it down cleanly: HA does not restart it", Role::fault},
    {Rec::vm_migrated, "vm_migrated", vm, "from,to", no_host, no_vm, "a live migration completed"},
    {Rec::vm_impaired, "vm_impaired", vm, "host,network,reason,sr", no_host, VmState::impaired,
     "the VM runs but does not serve: I/O to an SR of its disks does not complete (reason=storage, sr=) or a "
     "network of it has no up path on its host (reason=network, network=)"},
    {Rec::vm_serving, "vm_serving", vm, "host", no_host, VmState::running,
     "the impaired VM serves again: its disks' I/O completes and every network of it has an up path"},
    {Rec::cd_inserted, "cd_inserted", vm, "", no_host, no_vm, "a CD from a non-shared SR: the VM is not agile", Role::fault},
    {Rec::cd_ejected, "cd_ejected", vm, "", no_host, no_vm, "the CD is out: the VM is agile again", Role::repair},

    {Rec::master_changed, "master_changed", pool, "from,to", no_host, no_vm,
     "a host took the master role (from=none: the old master's lock had expired)"},
    {Rec::alert, "alert", pool, "bond,events,host,name,unhealthy,value,vm,was", no_host, no_vm, "xapi raised an alert (see the alerts below)"},
    {Rec::operation_refused, "operation_refused", pool, "host,op,reason,value,vm", no_host, no_vm,
     "XenServer would refuse the operation: nothing changed (see the reasons below)"},
    {Rec::partition, "partition", pool, "groups", no_host, no_vm,
     "the management network is cut between the groups (a fault); hosts of one group joined by +", Role::fault},
    {Rec::heal, "heal", pool, "", no_host, no_vm, "the partition is healed", Role::repair},
    {Rec::ha_enabled, "ha_enabled", pool, "", no_host, no_vm, "an operator enabled HA", Role::repair},
    {Rec::ha_disabled, "ha_disabled", pool, "", no_host, no_vm, "an operator disabled HA", Role::fault},
    {Rec::ntol_set, "ntol_set", pool, "value", no_host, no_vm, "host failures to tolerate set", Role::repair},

    {Rec::link_up, "link_up", nic, "cause", no_host, no_vm, "the NIC has carrier"},
    {Rec::link_down, "link_down", nic, "cause", no_host, no_vm, "the NIC lost carrier", Role::consequence},
    {Rec::switch_down, "switch_down", network_switch, "", no_host, no_vm, "the switch failed (a fault)", Role::fault},
    {Rec::switch_up, "switch_up", network_switch, "", no_host, no_vm, "the switch is back", Role::repair},
    {Rec::bond_up, "bond_up", bond, "member", no_host, no_vm, "the bond carries traffic again, on this member"},
    {Rec::bond_down, "bond_down", bond, "", no_host, no_vm, "no member of the bond is usable", Role::consequence},
    {Rec::failover, "failover", bond, "from,to", no_host, no_vm, "the bond moved its traffic to another member"},
    {Rec::member_up, "member_up", bond, "member", no_host, no_vm, "the bond enabled a member"},
    {Rec::member_down, "member_down", bond, "member", no_host, no_vm, "the bond disabled a member"},
    {Rec::lacp_negotiating, "lacp_negotiating", bond, "member", no_host, no_vm, "LACP negotiation began on a member"},
    {Rec::lacp_negotiated, "lacp_negotiated", bond, "member", no_host, no_vm, "the member is in the aggregate"},
    {Rec::lacp_expired, "lacp_expired", bond, "member", no_host, no_vm, "the partner fell silent: the member expired"},
    {Rec::lacp_defaulted, "lacp_defaulted", bond, "member", no_host, no_vm,
     "no partner: the member runs in active-backup fallback"},
    {Rec::lacp_silent, "lacp_silent", network_switch, "", no_host, no_vm,
     "the switch's LACP control plane hangs, carrier stays up (a fault)", Role::fault},
    {Rec::lacp_resumed, "lacp_resumed", network_switch, "", no_host, no_vm, "the switch sends LACP again", Role::repair},

    {Rec::array_down, "array_down", array, "", no_host, no_vm, "the storage array failed (a fault)", Role::fault},
    {Rec::array_up, "array_up", array, "", no_host, no_vm, "the array is back", Role::repair},
    {Rec::portal_down, "portal_down", portal, "", no_host, no_vm, "an iSCSI portal failed (a fault)", Role::fault},
    {Rec::portal_up, "portal_up", portal, "", no_host, no_vm, "the portal is back", Role::repair},
    {Rec::io_completes, "io_completes", storage_io, "", no_host, no_vm, "the host's I/O on the array completes"},
    {Rec::io_hangs, "io_hangs", storage_io, "", no_host, no_vm,
     "the host's I/O on the array is queued (no path, queue_if_no_path)", Role::consequence},
    {Rec::io_fails, "io_fails", storage_io, "", no_host, no_vm, "the host's I/O on the array fails", Role::consequence},
    {Rec::path_up, "path_up", path, "via", no_host, no_vm, "a multipath path is usable"},
    {Rec::path_down, "path_down", path, "via", no_host, no_vm, "a path's transport is down"},
    {Rec::path_failed, "path_failed", path, "via", no_host, no_vm, "multipath failed the path (an I/O error on it)"},
    {Rec::path_reinstated, "path_reinstated", path, "via", no_host, no_vm, "the path checker reinstated the path"},
}};

namespace {
// Whether row i of a table is the one of the enum's value i (the tables are indexed by their enums).
template <typename Table>
constexpr bool ids_in_order(const Table& table) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (static_cast<std::size_t>(table[i].id) != i) return false;
  }
  return true;
}
static_assert(ids_in_order(record_table), "record_table must list the records in Rec's order");
}  // namespace

std::vector<std::string_view> split_keys(std::string_view keys) {
  std::vector<std::string_view> out;
  for (std::size_t begin = 0; begin < keys.size();) {
    const std::size_t end = std::min(keys.find(',', begin), keys.size());
    out.push_back(keys.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

const RecordSpec* find_record(std::string_view token) {
  for (const RecordSpec& r : record_table) {
    if (r.token == token) return &r;
  }
  return nullptr;
}

constexpr std::array<AlertSpec, 10> alert_table{{
    {Alert::pool_master_transition, "POOL_MASTER_TRANSITION", "host", "a host became master"},
    {Alert::ha_host_failed, "HA_HOST_FAILED", "host", "the master's monitor found a host gone from the liveset"},
    {Alert::ha_host_was_fenced, "HA_HOST_WAS_FENCED", "host", "raised by a host's xapi back from a fence or power loss, once it reaches the master"},
    {Alert::ha_statefile_lost, "HA_STATEFILE_LOST", "", "the master's monitor found every host of the pool live and without statefile access"},
    {Alert::ha_network_bonding_error, "HA_NETWORK_BONDING_ERROR", "host",
     "xhad's bond monitor found a member of a Linux management bond down"},
    {Alert::ha_pool_overcommitted, "HA_POOL_OVERCOMMITTED", "",
     "no plan restarts every protected VM after host failures to tolerate failures"},
    {Alert::ha_pool_drop_in_plan_exists_for, "HA_POOL_DROP_IN_PLAN_EXISTS_FOR", "value",
     "the failures a plan exists for dropped to value"},
    {Alert::ha_protected_vm_restart_failed, "HA_PROTECTED_VM_RESTART_FAILED", "vm",
     "a protected VM could not be restarted (once until it starts)"},
    {Alert::bond_status_changed, "BOND_STATUS_CHANGED", "bond,host,value,was",
     "a host's xcp-networkd found a bond's count of members in use changed since its last 5 s poll "
     "(value=1/2 was=2/2); after a boot, a bond not fully up (no was)"},
    {Alert::multipath_periodic_alert, "MULTIPATH_PERIODIC_ALERT", "events,unhealthy",
     "the master's mpathalert, at its 120 s wake, found changed multipath counts of which one is or was broken: "
     "events lists them as host/SR:usable/total, unhealthy every entry broken now (or none)"},
}};

constexpr std::array<RefusalSpec, 21> refusal_table{{
    {Refusal::host_not_up, "host_not_up", "the host is not up"},
    {Refusal::already_in_maintenance, "already_in_maintenance", "the host is already disabled"},
    {Refusal::master_with_ha_enabled, "master_with_ha_enabled", "the master cannot be evacuated while HA is on"},
    {Refusal::needs_another_host_as_new_master, "needs_another_host_as_new_master",
     "evacuating the master needs another up host as new master"},
    {Refusal::no_master, "no_master", "operations go through the master's xapi, and there is none"},
    {Refusal::would_break_failover_plan, "would_break_failover_plan",
     "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN: a plan exists now and would not after it"},
    {Refusal::not_enough_free_memory, "not_enough_free_memory", "a VM of the evacuation has nowhere to go"},
    {Refusal::not_in_maintenance, "not_in_maintenance", "the host is not disabled"},
    {Refusal::already_running, "already_running", "the VM runs already"},
    {Refusal::no_host_with_enough_free_memory, "no_host_with_enough_free_memory", "no host can take the VM"},
    {Refusal::not_running, "not_running", "the VM does not run"},
    {Refusal::cd_drive_not_empty, "cd_drive_not_empty", "a CD is in the drive already"},
    {Refusal::ha_constraint_violation_sr_not_shared, "ha_constraint_violation_sr_not_shared",
     "a CD from a non-shared SR would make a protected VM not agile"},
    {Refusal::cd_drive_empty, "cd_drive_empty", "no CD to eject"},
    {Refusal::out_of_range, "out_of_range", "host failures to tolerate must be 0 to hosts - 1"},
    {Refusal::ha_not_enabled, "ha_not_enabled", "HA is not enabled"},
    {Refusal::ha_already_enabled, "ha_already_enabled", "HA is enabled already"},
    {Refusal::no_heartbeat_sr, "no_heartbeat_sr", "the pool has no heartbeat SR"},
    {Refusal::host_offline, "host_offline", "every host must be online to enable HA"},
    {Refusal::statefile_unreachable, "statefile_unreachable", "every host must reach the heartbeat SR to enable HA"},
    {Refusal::protected_vm_not_agile, "protected_vm_not_agile", "every protected VM must be agile to enable HA"},
}};

static_assert(ids_in_order(alert_table) && ids_in_order(refusal_table),
              "alert_table and refusal_table must follow their enums' order");

constexpr std::optional<Role> own_role;

constexpr std::array<ValueSpec, 33> value_table{{
    {Rec::join_aborted, "reason", "statefile_unreachable", own_role, "the statefile cannot be read or written"},
    {Rec::join_failed, "reason", "not_accepted_by_live_hosts", own_role,
     "live hosts exist and none took it into its liveset"},
    {Rec::join_failed, "reason", "not_in_largest_partition", own_role,
     "its partition is not the largest of those on the statefile"},
    {Rec::join_failed, "reason", "blocked_by_excluded", own_role,
     "it was shut down cleanly (excluded) and some other host was not"},
    {Rec::join_cancelled, "reason", "ha_disabled", own_role, "an operator disabled HA"},
    {Rec::peer_seen, "channel", "network", own_role, "its heartbeats on the management network"},
    {Rec::peer_seen, "channel", "statefile", own_role, "its slot on the statefile"},
    {Rec::peer_lost, "channel", "network", own_role, "its heartbeats on the management network"},
    {Rec::peer_lost, "channel", "statefile", own_role, "its slot on the statefile"},
    {Rec::survived, "rule", "no_partition", own_role,
     "every host on the statefile is also on the network: no partition (sm.c fault handler, phase 3)"},
    {Rec::survived, "rule", "largest_partition", own_role,
     "its partition is the largest on the statefile, ties to the lowest host index"},
    {Rec::survived, "rule", "survival_rule_2", own_role,
     "it lost the statefile, and every host it lost from the network was shut down cleanly (sm.c "
     "test_Survival_Rule)"},
    {Rec::self_fence, "reason", "smaller_partition", own_role,
     "the fault handler found its partition smaller than another on the statefile"},
    {Rec::self_fence, "reason", "statefile_lost_peer_has_it", own_role,
     "it lost the statefile while a peer it heard at the end of phase 2 kept its own slot: survival rule 2 fails"},
    {Rec::self_fence, "reason", "statefile_and_peers_lost", own_role,
     "it lost the statefile and peers that were not shut down cleanly: survival rule 2 fails"},
    {Rec::self_fence, "reason", "statefile_watchdog", own_role,
     "its statefile I/O hung for Ws, the statefile watchdog (statefile.c sfthread)"},
    {Rec::self_fence, "reason", "xapi_dead", own_role,
     "the toolstack failed its health check and every restart failed or hung (xapi_mon.c)"},
    {Rec::self_fence, "reason", "fence_requested", own_role,
     "a partition healed and the surviving side asked it, on the statefile, to fence"},
    {Rec::xapi_check_failed, "reason", "error", own_role, "the health check returned an error"},
    {Rec::xapi_check_failed, "reason", "timeout", own_role, "the health check did not return within TXapi"},
    {Rec::vm_restart_failed, "reason", "no_capacity", own_role, "no live host has the free memory"},
    {Rec::vm_restart_failed, "reason", "would_break_failover_plan", own_role,
     "the start would leave no plan for the failures to tolerate (overcommit protection)"},
    {Rec::vm_left_down, "reason", "best_effort", own_role, "a best-effort VM used the attempts it is owed"},
    {Rec::vm_halted, "reason", "host_failed", own_role, "the master's monitor found its host gone from the liveset"},
    {Rec::vm_halted, "reason", "host_restarted", own_role, "its host booted again without it"},
    {Rec::vm_impaired, "reason", "storage", own_role, "I/O to the SR `sr` of its disks does not complete"},
    {Rec::vm_impaired, "reason", "network", own_role, "its network `network` has no up path on its host"},
    {Rec::link_up, "cause", "replug", Role::repair, "a cable put back (the replug verb)"},
    {Rec::link_up, "cause", "switch_restore", own_role, "its switch is back"},
    {Rec::link_up, "cause", "power_on", own_role, "its host powered on"},
    {Rec::link_down, "cause", "unplug", Role::fault, "a cable pulled (the unplug verb)"},
    {Rec::link_down, "cause", "switch_fail", own_role, "its switch failed"},
    {Rec::link_down, "cause", "power_off", own_role, "its host lost power: a crash, a reboot or a fence"},
}};

namespace {
constexpr bool values_in_order() {
  for (std::size_t i = 1; i < value_table.size(); ++i) {
    if (value_table[i].record < value_table[i - 1].record) return false;
  }
  return true;
}
static_assert(values_in_order(), "value_table must group the values by record, in Rec's order");

[[maybe_unused]] bool declared_value(const RecordSpec& record, const Detail& d) {
  if (record.id == Rec::operation_refused && d.key == "reason") {
    return std::any_of(refusal_table.begin(), refusal_table.end(), [&](const RefusalSpec& r) { return r.token == d.value; });
  }
  bool has_values = false;
  for (const ValueSpec& v : value_table) {
    if (v.record != record.id || v.key != d.key) continue;
    if (v.value == d.value) return true;
    has_values = true;
  }
  return !has_values;
}
}  // namespace

void publish(EventBus& bus, SimTime time, std::string source, Rec id, std::vector<Detail> details) {
  const RecordSpec& record = spec(id);
#ifndef NDEBUG
  const std::vector<std::string_view> keys = split_keys(record.keys);
  for (const Detail& d : details) {
    if (std::find(keys.begin(), keys.end(), d.key) == keys.end()) {
      throw std::logic_error("record " + std::string(record.token) + " carries undeclared detail " + d.key);
    }
    if (!declared_value(record, d)) {
      throw std::logic_error("record " + std::string(record.token) + " carries undeclared " + d.key + "=" + d.value);
    }
  }
#endif
  bus.publish(time, std::move(source), record.token, std::move(details));
}

}  // namespace poolsim::models
