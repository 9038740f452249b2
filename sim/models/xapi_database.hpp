// The master's xapi database, as far as HA reads it: which hosts it holds live, where each VM runs by its
// records (not where it really runs: host_machine.hpp), ha_always_run, the VM's CD drive, and the free memory
// that follows from the records (xen-api ocaml/database; the fields of ocaml/idl/datamodel*.ml: host_metrics.live,
// VM.resident_on, VM.ha_always_run).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "poolsim/kernel/random_streams.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

struct VmRecord {
  std::optional<HostIndex> host;  // resident_on
  bool running = false;           // power_state running
  // ha_always_run: set when a `restart` VM is started, cleared by an operator's shutdown. Only a `restart` VM
  // with it set is protected (helpers.ml vm_should_always_run): a VM halted at time 0 is not.
  bool always_run = false;
  bool cd = false;  // a CD is in the drive: the VM is not agile until it is ejected
};

class XapiDatabase {
 public:
  explicit XapiDatabase(PoolContext& context) : ctx(context) {}
  void init(std::size_t hosts, const std::vector<VmConfig>& vms);

  VmRecord& vm(VmIndex v) { return vms_[v]; }
  const VmRecord& vm(VmIndex v) const { return vms_[v]; }
  std::vector<bool> live;  // hosts it holds live

  bool agile(VmIndex v) const;
  bool protected_vm(VmIndex v) const;
  // What VMs may use of a host's memory: its total less the control domain's.
  std::uint64_t vm_memory(HostIndex h) const;
  // What is left of host h's VM memory when its VMs use `used` bytes, floored at 0.
  std::uint64_t free_given(HostIndex h, std::uint64_t used) const;
  std::uint64_t free_memory(HostIndex h) const;
  // The enabled, running host with the most free memory that fits `memory` (ties to the lowest index) among
  // those `eligible` accepts.
  std::optional<HostIndex> place(std::uint64_t memory, const std::function<bool(HostIndex)>& eligible) const;
  // VM.start with no host (vm_placement.ml select_host_from_summary, docs/model.md "Placement of a start"): among
  // the enabled, running hosts `eligible` accepts where `memory` fits, sorted by the memory left after it (the
  // master's halved: coordinator_bias), highest first, a biased random pick, index floor(n u^2).
  std::optional<HostIndex> choose_host(std::uint64_t memory, const std::function<bool(HostIndex)>& eligible);

 private:
  std::vector<std::uint64_t> used_by_host() const;  // memory of the running VMs, by host

  PoolContext& ctx;
  std::vector<VmRecord> vms_;
  RandomStream placement_{0};  // the draws of choose_host, from the run's seed
};

}  // namespace poolsim::models
