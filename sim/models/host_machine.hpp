// The host machines: power, boot, crash, the watchdog reboot of a fenced host, and the VM instances that really
// run on them (ground truth, whatever xapi's database says). No one XenServer file: the hardware and Xen; the
// fenced host's reboot is Xen's watchdog, armed by xhad (xha daemon/watchdog.c).
//
//   up -> [crash] -> down -> [power_on] -> booting -> [boot_time] -> up
//   up -> [self-fence] -> fenced -> [reboot by the Xen watchdog, at once] -> booting -> up
//   up -> [reboot] -> booting -> up
//   up -> [enter_maintenance: evacuated by live migration] -> maintenance -> [exit_maintenance] -> up
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

struct Machine {
  HostState state = HostState::up;
  std::uint64_t life = 0;  // bumped at each power loss, fence or reboot: events of an older life are void
  EventHandle boot;
  bool stopped_uncleanly = false;   // fenced or lost power: its xapi says so when it is back (HA_HOST_WAS_FENCED)
  bool fence_alert_pending = false;  // back from an unclean stop, its xapi not yet synchronised with the master
  bool disabled = false;        // in (or entering) maintenance: no VM is placed on it
  bool in_maintenance = false;  // evacuated
};

// A VM's domain on a host: where it really runs, and whether it has finished booting.
struct VmInstance {
  std::optional<HostIndex> host;
  bool booted = false;
  EventHandle boot;
};

class HostMachines {
 public:
  explicit HostMachines(PoolContext& context) : ctx(context) {}
  void init(std::size_t hosts, std::size_t vms);

  Machine& operator[](HostIndex h) { return machines_[h]; }
  const Machine& operator[](HostIndex h) const { return machines_[h]; }
  VmInstance& instance(VmIndex v) { return instances_[v]; }
  const VmInstance& instance(VmIndex v) const { return instances_[v]; }

  // The host stops (crash, fence, reboot): everything on it stops, its VMs die, its NICs lose carrier.
  void stop(HostIndex h, HostState state);
  // Firmware and boot; once up, xapi starts and then the HA daemon.
  void boot(HostIndex h);
  // xhad fences: the Xen watchdog reboots the host at once (fencing is a reboot).
  void fence(HostIndex h, std::string_view reason);
  // Creates VM v's instance on `host` and schedules its boot; the caller has checked it is not running.
  void boot_vm(VmIndex v, HostIndex host);
  // An operator's shutdown: the instance is gone.
  void destroy_vm(VmIndex v);
  // Live-migrates v from `from` to `to`, completing `after` from now if both ends are still the same lives.
  void migrate_vm(VmIndex v, HostIndex from, HostIndex to, Duration after);

 private:
  PoolContext& ctx;
  std::vector<Machine> machines_;
  std::vector<VmInstance> instances_;
};

}  // namespace poolsim::models
