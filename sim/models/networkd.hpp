// xcp-networkd's network monitor on each host (xen-api ocaml/networkd network_monitor_thread.ml): it polls every
// 5 s (network_stats.ml interval) from its start and, for each bond of two or more members, raises
// BOND_STATUS_CHANGED when the count of its members in use differs from the last poll ("1/2 up (was 2/2)");
// its first poll after the host boots alerts only for a bond not fully up. Only the polls that find a change are
// scheduled.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

class Networkd {
 public:
  explicit Networkd(PoolContext& context) : ctx(context) {}
  void init(std::size_t hosts);

  // The host is up: a new networkd, its poll grid from now, its bonds not yet seen.
  void host_up(HostIndex h);
  void host_stopped(HostIndex h);
  // A network change: each up host whose bonds now differ from what its networkd last saw polls at its next tick.
  void changed();

 private:
  struct Monitor {
    SimTime anchor;
    bool seen = false;                 // a first poll happened since the host's boot
    std::vector<std::size_t> last_up;  // by bond of the host: members in use at the last poll
    EventHandle poll;
  };
  std::size_t members_up(BondIndex bond) const;
  bool differs(HostIndex h) const;
  void poll(HostIndex h);

  PoolContext& ctx;
  std::vector<Monitor> monitors_;
};

}  // namespace poolsim::models
