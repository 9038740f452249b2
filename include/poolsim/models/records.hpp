// Every record the models publish, declared once: its event token, where it comes from, the detail keys it may
// carry, the host or VM state it leads to, and what it means. The models publish through these ids; the text and
// HDF5 recorders, the outcome recorder, batch and the glossary (`poolsim glossary`, docs/glossary.md) read this
// table. The values some detail keys take (a fence's reason, a carrier change's cause), the alerts (the `name` of
// an `alert` record) and the reasons of `operation_refused` are declared here too; the plots and notebooks read
// the same table from tools/poolsim_records.py, which `poolsim glossary --python` generates.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

// Where a record comes from: the timeline's `source` column.
enum class RecordSource : std::uint8_t {
  host,            // <host>: the machine
  ha_daemon,       // <host>/ha: its HA daemon
  vm,              // vm/<vm>
  pool,            // pool: the master's xapi, the operator, the partition fault
  nic,             // <host>/<nic>
  bond,            // <host>/<bond>
  network_switch,  // <switch>
  array,           // <array>
  portal,          // <array>/<portal>
  storage_io,      // <host>/<array>: the host's I/O on that array
  path,            // <host>/<array>/<portal>: one multipath path
};
std::string_view to_token(RecordSource source);  // how the source column is written, e.g. "<host>/ha"

enum class Rec : std::uint8_t {
  // the machine
  host_crashed, host_rebooting, host_booting, host_up, xapi_hung, xapi_crashed, xapi_disabled, xapi_restored,
  maintenance_started, maintenance_entered, maintenance_exited,
  // the HA daemon
  daemon_started, join_aborted, joined, join_failed, join_cancelled, peer_seen, peer_lost, liveset_joined,
  liveset_removed, fault_handler_started, survived, self_fence, xapi_check_failed, xapi_restarted,
  // VMs
  vm_start, vm_restart, vm_running, vm_restart_failed, vm_left_down, vm_died, vm_halted, vm_shutdown, vm_migrated,
  vm_impaired, vm_serving,
  cd_inserted, cd_ejected,
  // the pool
  master_changed, alert, operation_refused, partition, heal, ha_enabled, ha_disabled, ntol_set,
  // the network
  link_up, link_down, switch_down, switch_up, bond_up, bond_down, failover, member_up, member_down,
  lacp_negotiating, lacp_negotiated, lacp_expired, lacp_defaulted, lacp_silent, lacp_resumed,
  // the storage
  array_down, array_up, portal_down, portal_up, io_completes, io_hangs, io_fails, path_up, path_down, path_failed,
  path_reinstated,
};

// How a reader of the timeline takes a record: the marks of the report's figure and of the plots.
enum class Role : std::uint8_t {
  context,      // no mark of its own
  fault,        // what a scenario's fault verb injects (scripted or random): a failure, or an operator's step
                //   that takes something away (maintenance, HA off, a shutdown, a CD that pins a VM)
  repair,       // a repair, or another operation of the operator
  consequence,  // what followed: marked on its host's or VM's lane
  boot,         // a repair after host_crashed (the power_on verb), a consequence after a reboot or a fence
};
std::string_view to_token(Role role);

struct RecordSpec {
  Rec id;
  std::string_view token;
  RecordSource source;
  std::string_view keys;  // the detail keys it may carry, comma-separated, sorted
  std::optional<HostState> host_state;  // the state of the host it is about from this record on
  std::optional<VmState> vm_state;      // the same for a VM
  std::string_view meaning;
  Role role = Role::context;
};

extern const std::array<RecordSpec, 72> record_table;  // in Rec's order
inline const RecordSpec& spec(Rec id) { return record_table[static_cast<std::size_t>(id)]; }
inline std::string_view token(Rec id) { return spec(id).token; }
// The detail keys of a `keys` column ("from,to"), in order; none for "".
std::vector<std::string_view> split_keys(std::string_view keys);
// The record with this token, or null (a timeline from another version).
const RecordSpec* find_record(std::string_view token);

// A value that a detail key of a record takes. A key with declared values takes no other (publish checks it in
// debug builds); a value with a role gives the record that role instead of its own (link_down with cause=unplug
// is a fault, not a consequence).
struct ValueSpec {
  Rec record;
  std::string_view key;
  std::string_view value;
  std::optional<Role> role;
  std::string_view meaning;
};
extern const std::array<ValueSpec, 33> value_table;  // grouped by record, in Rec's order
// The role of record `id` whose detail `key` has value `value` for each pair: a value's own role, else the record's.
template <class DetailOf>
Role role_of(Rec id, const DetailOf& detail_of) {
  for (const ValueSpec& v : value_table) {
    if (v.record == id && v.role && detail_of(v.key) == v.value) return *v.role;
  }
  return spec(id).role;
}

enum class Alert : std::uint8_t {
  pool_master_transition, ha_host_failed, ha_host_was_fenced, ha_statefile_lost, ha_network_bonding_error,
  ha_pool_overcommitted, ha_pool_drop_in_plan_exists_for, ha_protected_vm_restart_failed, bond_status_changed,
  multipath_periodic_alert,
};
struct AlertSpec {
  Alert id;
  std::string_view name;  // xapi's message name (xapi_globs.ml / api_messages.ml)
  std::string_view keys;  // the detail keys the alert record carries besides `name`
  std::string_view meaning;
};
extern const std::array<AlertSpec, 10> alert_table;
inline std::string_view name(Alert id) { return alert_table[static_cast<std::size_t>(id)].name; }

enum class Refusal : std::uint8_t {
  host_not_up, already_in_maintenance, master_with_ha_enabled, needs_another_host_as_new_master, no_master,
  would_break_failover_plan, not_enough_free_memory, not_in_maintenance, already_running,
  no_host_with_enough_free_memory, not_running, cd_drive_not_empty, ha_constraint_violation_sr_not_shared,
  cd_drive_empty, out_of_range, ha_not_enabled, ha_already_enabled, no_heartbeat_sr, host_offline,
  statefile_unreachable, protected_vm_not_agile,
};
struct RefusalSpec {
  Refusal id;
  std::string_view token;
  std::string_view meaning;
};
extern const std::array<RefusalSpec, 21> refusal_table;
inline std::string_view token(Refusal id) { return refusal_table[static_cast<std::size_t>(id)].token; }

}  // namespace poolsim::models

namespace poolsim::models {

// Publishes record `id` from `source`; in debug builds, checks that each detail key is one the table declares.
void publish(EventBus& bus, SimTime time, std::string source, Rec id, std::vector<Detail> details = {});

}  // namespace poolsim::models
