// The enumerations of a scenario, each value spelled once: one table per enum maps the C++ value to its
// snake_case word, and the loader, the messages, `poolsim check --list-params` and the docs all read that table.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "poolsim/models/network.hpp"
#include "poolsim/models/storage.hpp"

namespace poolsim::scenario {

// A table of an enum's values and their words, with the noun that names what a value is (for messages).
template <typename E, std::size_t N>
struct EnumTable {
  std::string_view noun;
  std::array<std::pair<E, std::string_view>, N> entries;
};

// Storage repository types (docs/model.md "Storage pieces"). iscsi, nfs and fc are shared; local belongs to one host.
enum class StorageType { iscsi, nfs, fc, local };
inline constexpr EnumTable<StorageType, 4> storage_types{
    "storage type",
    {{{StorageType::iscsi, "iscsi"}, {StorageType::nfs, "nfs"}, {StorageType::fc, "fc"}, {StorageType::local, "local"}}}};
constexpr const auto& enum_table(StorageType) { return storage_types; }

// Bond modes (docs/model.md "Network pieces": the tutorial's four kinds). active_active is XenServer's balance-slb.
// The models' enum, so that the builder passes it through unmapped; its words are spelled here.
using BondMode = models::BondMode;
inline constexpr EnumTable<BondMode, 4> bond_modes{"bond mode",
                                                   {{{BondMode::active_active, "active_active"},
                                                     {BondMode::active_backup, "active_backup"},
                                                     {BondMode::lacp_tcp, "lacp_tcp"},
                                                     {BondMode::lacp_mac, "lacp_mac"}}}};
constexpr const auto& enum_table(BondMode) { return bond_modes; }
constexpr bool needs_lacp(BondMode mode) { return models::uses_lacp(mode); }

// LACP timeout (docs/model.md "LACP"): fast is 3 x 1 s, slow is 3 x 30 s. The models' enum, like BondMode.
using LacpRate = models::LacpRate;
inline constexpr EnumTable<LacpRate, 2> lacp_rates{"lacp rate", {{{LacpRate::fast, "fast"}, {LacpRate::slow, "slow"}}}};
constexpr const auto& enum_table(LacpRate) { return lacp_rates; }

// dm-multipath's path grouping of an array (docs/model.md "Storage and multipath"). The models' enum.
using PathGrouping = models::PathGrouping;
inline constexpr EnumTable<PathGrouping, 2> path_groupings{
    "path grouping policy", {{{PathGrouping::failover, "failover"}, {PathGrouping::multibus, "multibus"}}}};
constexpr const auto& enum_table(PathGrouping) { return path_groupings; }

// The hosts' network stack (xe host-param network_backend): Open vSwitch, XenServer's default, or the Linux bridge
// with Linux bonding. It sets how bonds see carrier and whether xhad's bond monitor reports a failed member.
enum class NetworkBackend { openvswitch, bridge };
inline constexpr EnumTable<NetworkBackend, 2> network_backends{
    "network backend", {{{NetworkBackend::openvswitch, "openvswitch"}, {NetworkBackend::bridge, "bridge"}}}};
constexpr const auto& enum_table(NetworkBackend) { return network_backends; }

// A VM's HA restart priority (docs/model.md "VMs and their HA plan").
enum class RestartPriority { restart, best_effort, do_not_restart };
inline constexpr EnumTable<RestartPriority, 3> restart_priorities{"restart priority",
                                                                  {{{RestartPriority::restart, "restart"},
                                                                    {RestartPriority::best_effort, "best_effort"},
                                                                    {RestartPriority::do_not_restart, "do_not_restart"}}}};
constexpr const auto& enum_table(RestartPriority) { return restart_priorities; }

// Which formula derives the heartbeat intervals from the HA timeout (docs/model.md "HA timers"): current xapi (since
// xen-api PR #4169, 2020) or the legacy one, (T + 10) div 10 for both.
enum class IntervalFormula { current, legacy };
inline constexpr EnumTable<IntervalFormula, 2> interval_formulas{
    "interval formula", {{{IntervalFormula::current, "current"}, {IntervalFormula::legacy, "legacy"}}}};
constexpr const auto& enum_table(IntervalFormula) { return interval_formulas; }

// The verbs of `do:` (docs/scenario-format.md "Fault verbs"); their arguments are in fault_verbs.hpp.
enum class FaultVerb {
  crash, power_on, reboot, unplug, replug, switch_fail, switch_restore, portal_fail, portal_restore,
  storage_fail, storage_restore, partition, heal, xapi_hang, xapi_restore, enter_maintenance, exit_maintenance,
  ha_disable, ha_enable, vm_start, vm_shutdown, eject_cd, insert_cd, set_ntol, lacp_fail, lacp_restore, xapi_crash, xapi_disable
};
inline constexpr EnumTable<FaultVerb, 28> fault_verb_names{"fault verb",
                                                          {{{FaultVerb::crash, "crash"},
                                                            {FaultVerb::power_on, "power_on"},
                                                            {FaultVerb::reboot, "reboot"},
                                                            {FaultVerb::unplug, "unplug"},
                                                            {FaultVerb::replug, "replug"},
                                                            {FaultVerb::switch_fail, "switch_fail"},
                                                            {FaultVerb::switch_restore, "switch_restore"},
                                                            {FaultVerb::portal_fail, "portal_fail"},
                                                            {FaultVerb::portal_restore, "portal_restore"},
                                                            {FaultVerb::storage_fail, "storage_fail"},
                                                            {FaultVerb::storage_restore, "storage_restore"},
                                                            {FaultVerb::partition, "partition"},
                                                            {FaultVerb::heal, "heal"},
                                                            {FaultVerb::xapi_hang, "xapi_hang"},
                                                            {FaultVerb::xapi_restore, "xapi_restore"},
                                                            {FaultVerb::enter_maintenance, "enter_maintenance"},
                                                            {FaultVerb::exit_maintenance, "exit_maintenance"},
                                                            {FaultVerb::ha_disable, "ha_disable"},
                                                            {FaultVerb::ha_enable, "ha_enable"},
                                                            {FaultVerb::vm_start, "vm_start"},
                                                            {FaultVerb::vm_shutdown, "vm_shutdown"},
                                                            {FaultVerb::eject_cd, "eject_cd"},
                                                            {FaultVerb::insert_cd, "insert_cd"},
                                                            {FaultVerb::set_ntol, "set_ntol"},
                                                            {FaultVerb::lacp_fail, "lacp_fail"},
                                                            {FaultVerb::lacp_restore, "lacp_restore"},
                                                            {FaultVerb::xapi_crash, "xapi_crash"},
                                                            {FaultVerb::xapi_disable, "xapi_disable"}}}};
constexpr const auto& enum_table(FaultVerb) { return fault_verb_names; }

// What a random failure process draws its victims from.
enum class RandomTarget { hosts, nics, switches, portals, storage };
inline constexpr EnumTable<RandomTarget, 5> random_targets{"random fault target",
                                                           {{{RandomTarget::hosts, "hosts"},
                                                             {RandomTarget::nics, "nics"},
                                                             {RandomTarget::switches, "switches"},
                                                             {RandomTarget::portals, "portals"},
                                                             {RandomTarget::storage, "storage"}}}};
constexpr const auto& enum_table(RandomTarget) { return random_targets; }

// The distribution of a random fault's repair time.
enum class RepairDistribution { exponential, lognormal, weibull, fixed };
inline constexpr EnumTable<RepairDistribution, 4> repair_distributions{
    "repair distribution",
    {{{RepairDistribution::exponential, "exponential"},
      {RepairDistribution::lognormal, "lognormal"},
      {RepairDistribution::weibull, "weibull"},
      {RepairDistribution::fixed, "fixed"}}}};
constexpr const auto& enum_table(RepairDistribution) { return repair_distributions; }

// A host state an expectation names (docs/model.md "Host states"; `fenced` is entered at the fence).
enum class HostExpectState { up, fenced, booting, joining, down, maintenance };
inline constexpr EnumTable<HostExpectState, 6> host_expect_states{"host state",
                                                                  {{{HostExpectState::up, "up"},
                                                                    {HostExpectState::fenced, "fenced"},
                                                                    {HostExpectState::booting, "booting"},
                                                                    {HostExpectState::joining, "joining"},
                                                                    {HostExpectState::down, "down"},
                                                                    {HostExpectState::maintenance, "maintenance"}}}};
constexpr const auto& enum_table(HostExpectState) { return host_expect_states; }

// A VM power state an expectation names.
enum class VmExpectState { running, halted, impaired };
inline constexpr EnumTable<VmExpectState, 3> vm_expect_states{
    "vm state",
    {{{VmExpectState::running, "running"}, {VmExpectState::halted, "halted"}, {VmExpectState::impaired, "impaired"}}}};
constexpr const auto& enum_table(VmExpectState) { return vm_expect_states; }

// What `{vm: V, never: STATE}` names: a VM state, or a condition of the VM, that must never hold during the
// run. A new one is an entry here and its case in OutcomeRecorder::judge (scenario/outcome.cpp).
enum class VmNeverState { halted, impaired };
inline constexpr EnumTable<VmNeverState, 2> vm_never_states{
    "vm condition", {{{VmNeverState::halted, "halted"}, {VmNeverState::impaired, "impaired"}}}};
constexpr const auto& enum_table(VmNeverState) { return vm_never_states; }

// The word of an enum value.
template <typename E>
constexpr std::string_view to_string(E value) {
  for (const auto& [v, name] : enum_table(E{}).entries) {
    if (v == value) return name;
  }
  return "?";
}

// The value a word names, if any.
template <typename E>
constexpr std::optional<E> enum_from_string(std::string_view word) {
  for (const auto& [v, name] : enum_table(E{}).entries) {
    if (name == word) return v;
  }
  return std::nullopt;
}

// Every word of an enum, joined with ", " (for messages and docs).
template <typename E>
std::string enum_words(std::string_view separator = ", ") {
  std::string out;
  for (const auto& entry : enum_table(E{}).entries) {
    if (!out.empty()) out += separator;
    out += entry.second;
  }
  return out;
}

}  // namespace poolsim::scenario
