// The arguments of each fault verb (docs/scenario-format.md "Fault verbs"), and which verbs a random failure process
// may use. One table, read by the loader (which keys a fault may carry) and by the docs test.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "poolsim/scenario/enums.hpp"

namespace poolsim::scenario {

// A verb's arguments: the keys a fault with this `do:` must carry and the ones it may carry, and what it does.
// Argument keys: host, nic (a name or a list), switch, portal, storage, groups (a list of lists of hosts),
// new_master, vm, value.
struct FaultVerbInfo {
  FaultVerb verb;
  std::array<std::string_view, 2> required;  // empty strings fill unused slots
  std::string_view optional;                 // empty when none
  std::string_view meaning;
};

inline constexpr std::array<FaultVerbInfo, 28> fault_verbs{{
    {FaultVerb::crash, {"host", ""}, "", "power loss: the host stops at once and its VMs die"},
    {FaultVerb::power_on, {"host", ""}, "", "power back on: the host boots (boot_time)"},
    {FaultVerb::reboot, {"host", ""}, "", "clean reboot: the host shuts down cleanly, then boots"},
    {FaultVerb::unplug, {"host", "nic"}, "", "cables pulled: link down at once on each NIC"},
    {FaultVerb::replug, {"host", "nic"}, "", "cables put back: link up on each NIC"},
    {FaultVerb::switch_fail, {"switch", ""}, "", "every link through the switch goes down"},
    {FaultVerb::switch_restore, {"switch", ""}, "", "the switch's links come back"},
    {FaultVerb::portal_fail, {"portal", ""}, "", "one iSCSI target port of an array stops answering"},
    {FaultVerb::portal_restore, {"portal", ""}, "", "the target port answers again"},
    {FaultVerb::storage_fail, {"storage", ""}, "", "the whole array fails: heartbeat SR and VM disks"},
    {FaultVerb::storage_restore, {"storage", ""}, "", "the array answers again"},
    {FaultVerb::partition, {"groups", ""}, "", "cut the management network between the groups of hosts"},
    {FaultVerb::heal, {"", ""}, "", "mend every partition cut"},
    {FaultVerb::xapi_hang, {"host", ""}, "", "the toolstack stops answering and a restart does not cure it"},
    {FaultVerb::xapi_crash, {"host", ""}, "", "the toolstack stops running; xhad's restart cures it"},
    {FaultVerb::xapi_disable, {"host", ""}, "", "the toolstack stops and its service cannot start: a restart fails"},
    {FaultVerb::xapi_restore, {"host", ""}, "", "the toolstack answers again"},
    {FaultVerb::enter_maintenance, {"host", ""}, "new_master",
     "evacuate the host by live migration (new_master: where the master goes when HA is off)"},
    {FaultVerb::exit_maintenance, {"host", ""}, "", "the host takes VMs again"},
    {FaultVerb::ha_disable, {"", ""}, "", "disable HA, refused with XenServer's reason when not allowed"},
    {FaultVerb::ha_enable, {"", ""}, "", "enable HA, refused with XenServer's reason when not allowed"},
    {FaultVerb::vm_start, {"vm", ""}, "host", "start the VM (on host, when given)"},
    {FaultVerb::vm_shutdown, {"vm", ""}, "", "shut the VM down cleanly"},
    {FaultVerb::eject_cd, {"vm", ""}, "", "eject the CD from the VM's drive"},
    {FaultVerb::insert_cd, {"vm", ""}, "", "insert a CD into the VM's drive (the VM is no longer agile)"},
    {FaultVerb::set_ntol, {"value", ""}, "", "set host_failures_to_tolerate; refused when it would break the failover plan"},
    {FaultVerb::lacp_fail, {"switch", ""}, "",
     "the switch stops sending LACPDUs while its links keep carrier (a hung control plane)"},
    {FaultVerb::lacp_restore, {"switch", ""}, "", "the switch sends LACPDUs again"},
}};

// The row of a verb.
constexpr const FaultVerbInfo& fault_verb_info(FaultVerb verb) {
  for (const FaultVerbInfo& info : fault_verbs) {
    if (info.verb == verb) return info;
  }
  return fault_verbs.front();
}

// A random failure process: the verbs it may draw on a kind of target, and the verb that repairs each.
// `reboot` repairs itself, so it has no repair.
struct RandomVerbInfo {
  RandomTarget target;
  FaultVerb verb;
  std::optional<FaultVerb> repaired_by;
};

inline constexpr std::array<RandomVerbInfo, 9> random_verbs{{
    {RandomTarget::hosts, FaultVerb::crash, FaultVerb::power_on},
    {RandomTarget::hosts, FaultVerb::reboot, std::nullopt},
    {RandomTarget::hosts, FaultVerb::xapi_hang, FaultVerb::xapi_restore},
    {RandomTarget::hosts, FaultVerb::xapi_crash, FaultVerb::xapi_restore},
    {RandomTarget::hosts, FaultVerb::xapi_disable, FaultVerb::xapi_restore},
    {RandomTarget::nics, FaultVerb::unplug, FaultVerb::replug},
    {RandomTarget::switches, FaultVerb::switch_fail, FaultVerb::switch_restore},
    {RandomTarget::portals, FaultVerb::portal_fail, FaultVerb::portal_restore},
    {RandomTarget::storage, FaultVerb::storage_fail, FaultVerb::storage_restore},
}};

}  // namespace poolsim::scenario
