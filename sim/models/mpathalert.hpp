// Multipath alerts: sm's mpathcount on every host and xapi's mpathalert daemon on the master.
//
// mpathcount (sm libs/sm/mpathcount.py, run by udev on each device-mapper PATH_FAILED and PATH_REINSTATED event,
// udev/65-multipath.rules, and once at boot by mpathcount.service) writes the PBD's other_config
// `mpath-<SCSIid>` = [usable, total] through the host's xapi into the master's database when it changed; a host
// whose xapi cannot reach the master's loses the update (the script exits), and its next run compares with the
// entry the database still has.
//
// mpathalert (xen-api ocaml/mpathalert/mpathalert.ml, started on the master by master.d/03-mpathalert-daemon with
// `-delay 120`) queues every change of such an entry (its listener), wakes at its start and then every 120 s, and
// on a wake with changes queued raises one MULTIPATH_PERIODIC_ALERT for the pool when one of them is broken
// (usable < total) or was broken when last seen (`broken_history`); after an alert the history becomes the
// pool's unhealthy entries. Wakes with nothing queued do nothing and are not scheduled.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/models/storage.hpp"

namespace poolsim::models {

struct PoolContext;

class Mpathalert {
 public:
  explicit Mpathalert(PoolContext& context) : ctx(context) {}
  // Time 0: every entry as the storage has it, the first master's daemon long running (its history the entries
  // broken now, as if it had alerted them) on a grid from 0.
  void init(HostIndex master);

  // mpathcount: a path of `host`'s map of `array` failed or was reinstated.
  void path_event(ArrayIndex array, HostIndex host);
  // mpathcount at boot, once the host's xapi is up: each of its maps.
  void host_up(HostIndex host);
  // The master's xapi (re)starts as master: a new daemon there, queue and history empty, its grid from now.
  void master_started(HostIndex host);

 private:
  using Entry = std::pair<ArrayIndex, HostIndex>;  // a PBD's mpath entry: the SR and the host
  struct Change {
    Entry entry;
    Storage::PathCount count;
  };
  void update(ArrayIndex array, HostIndex host);
  void wake();
  std::string describe(const Entry& entry, Storage::PathCount count) const;

  PoolContext& ctx;
  std::vector<std::vector<std::optional<Storage::PathCount>>> db_;  // by array, by host: the database's entry
  std::optional<HostIndex> daemon_;                                  // the host mpathalert runs on
  SimTime anchor_;                                                   // its start: its wakes' grid
  std::vector<Change> queued_;                                       // changes since its last wake
  std::set<Entry> broken_history_;
  EventHandle wake_;
};

}  // namespace poolsim::models
