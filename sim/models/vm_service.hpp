// Whether each running VM serves (docs/model.md "Serving"): a VM whose disks or networks are gone is down to its
// users whatever its power state says. A running VM serves while the I/O of its host to every SR holding its
// disks completes (I/O that hangs, multipath queueing included, or fails does not) and each of its external
// networks has an up interface on its host (a NIC with carrier, a bond with a member in use). A change is
// recorded: vm_impaired reason=storage|network, vm_serving. No XenServer file: what the VM's users see.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

class VmService {
 public:
  explicit VmService(PoolContext& context) : ctx(context) {}
  void init(std::size_t vms);

  // The network or the storage changed: every running VM is looked at again.
  void refresh_all();
  // VM v finished booting or migrated: it is looked at on its (new) host.
  void refresh(VmIndex v);
  // VM v stopped running: it neither serves nor is impaired any more (its halt is recorded already).
  void stopped(VmIndex v) { impaired_[v].reset(); }
  bool impaired(VmIndex v) const { return impaired_[v].has_value(); }

 private:
  // Why v does not serve on host h, or none when it serves.
  struct Cause {
    bool storage = true;      // else network
    std::uint32_t which = 0;  // the SR's or the network's index
    bool operator==(const Cause&) const = default;
  };
  std::optional<Cause> cause(VmIndex v, HostIndex h);
  void update(VmIndex v, HostIndex h);
  bool interface_up(const Interface& itf) const;

  PoolContext& ctx;
  std::vector<std::optional<Cause>> impaired_;  // by VM: why it does not serve now, none while serving
  // refresh_all's view of the storage: each array's I/O outcome by host, read once per refresh.
  std::vector<std::vector<std::optional<IoOutcome>>> io_;
  std::vector<bool> io_read_;
};

}  // namespace poolsim::models
