// HaView: what each host's HA daemon holds — running or not, joining or live, its liveset — and which VMs an
// operator shut down, rebuilt from the timeline records alone, for the swarm's liveness check.
//
// It reads no model state: the Pool's header exposes ground truth (host and VM states, the master) but not the
// daemons' livesets, and the records say every change of them (docs/model.md "HA daemon"):
//   time 0 with HA on, `pool ha_enabled`           every daemon runs, live, with every host in its liveset
//   `pool ha_disabled`                              every daemon stops
//   `<h>/ha daemon_started`                         h's daemon runs, joining, its liveset {h}
//   `<h>/ha joined`                                 h is live
//   `<h>/ha liveset_joined hosts=a,b`               a and b enter h's liveset
//   `<h>/ha liveset_removed hosts=a,b`              a and b leave h's liveset
//   `<h>/ha join_failed`, `<h>/ha self_fence`,
//   `<h> host_crashed`, `<h> host_rebooting`        h's daemon stops
//   `vm/<v> vm_shutdown` / `vm/<v> vm_start`        v is left down by an operator / started again
// Should the Pool ever change a liveset without a record, this view goes wrong and the swarm reports a liveness
// failure: that is the intent (a liveset change the timeline does not show is a bug of its own).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"

namespace poolsim::scenario {

class HaView : public TimelineObserver {
 public:
  // Hosts and VMs by pool index (Simulation::host_index order); `ha_enabled`: HA on at time 0.
  HaView(std::vector<std::string> host_names, std::vector<std::string> vm_names, bool ha_enabled);

  void on_record(const TimelineRecord& record) override;

  bool ha_enabled() const { return ha_enabled_; }
  bool daemon_running(std::size_t host) const { return hosts_[host].daemon; }
  bool joining(std::size_t host) const { return hosts_[host].joining; }
  // Whether `peer` is in `observer`'s liveset (meaningful while observer's daemon runs).
  bool live(std::size_t observer, std::size_t peer) const { return hosts_[observer].liveset[peer]; }
  // Shut down by an operator and not started since: HA leaves it down (docs/model.md "Operations").
  bool user_halted(std::size_t vm) const { return user_halted_[vm]; }
  // Started by an operator (`vm_start`) at least once: a `restart` VM halted at time 0 is protected from then on
  // (xapi sets ha_always_run when it starts).
  bool operator_started(std::size_t vm) const { return operator_started_[vm]; }

 private:
  struct Host {
    bool daemon = false;
    bool joining = false;
    std::vector<bool> liveset;
  };

  std::size_t host_of(const std::string& name) const;  // host_names_.size() when unknown
  void start_all();
  void set_live(std::size_t observer, const std::string& hosts, bool live);

  std::vector<std::string> host_names_;
  std::vector<std::string> vm_names_;
  std::vector<Host> hosts_;
  std::vector<bool> user_halted_;
  std::vector<bool> operator_started_;
  bool ha_enabled_ = false;
};

}  // namespace poolsim::scenario
