// The storage of a pool: arrays (SRs) with their portals, each host's attachment to them, the iSCSI session and
// dm-multipath path per (host storage interface × portal), and the one answer the HA layer needs: what an I/O
// that a host issues now to an SR does — completes, hangs, or fails — with a notification whenever that may
// change. Nothing is computed per I/O or per path check: path deadlines and checker instants are computed and
// scheduled only when something physical changes (docs/performance.md "How steady-state heartbeats are made free").
//
// Model (docs/research/real-behaviour.md §3, docs/model.md "Storage and multipath"):
// - A path is physically up while its array and its portal are up and its host interface reaches the portal's
//   switch (Network::can_reach_switch). Local SRs have no path: their I/O completes unless the array (the
//   host's own disk) failed, and then fails.
// - iSCSI: a path that goes physically down at t is seen lost by open-iscsi at t + failure_detection (NOP-Out
//   interval + timeout) and failed by multipath at t + failure_detection + replacement_timeout (the session
//   gives up, I/O errors, dm-mpath fails the path). FC: the HBA sees the lost port at t and the path fails at
//   t + fast_io_fail_tmo. A path that comes back before it failed carries on as if nothing happened (a blip
//   shorter than failure_detection gives no path record); a failed path that comes back is reinstated at the
//   first path-checker run at or after its return, on the grid k·polling_interval from time 0.
// - Host outcome (iSCSI, FC): multipath sends I/O down one path (the `failover` grouping), kept until it is
//   failed. I/O hangs while that path is dead but not yet failed — up to failure_detection +
//   replacement_timeout = 25 s (FC: fast_io_fail_tmo) — then is retried on another active path and completes.
//   Otherwise it completes while one path is active; hangs while no path is active and some path is not yet
//   failed; once multipath has failed every path, I/O is queued (hangs) for no_path_retry × polling_interval,
//   then fails; nullopt queues for ever, 0 fails at once. A reinstated path makes queued and new I/O complete
//   at once.
// - A host without power (Network::host_powered) has no sessions: nothing about it is recorded or timed until
//   it is up again, when it logs in to its SRs afresh as at attachment. io() means nothing meanwhile.
// - NFS (no multipath; sm soft-mounts with an I/O timeout longer than xhad's statefile watchdog, modelled as a
//   hang): hangs while no path is physically up, completes as soon as one is.
//
// States of an iSCSI/FC path (multipath's view in brackets):
//   active (up, in use) -> [physical loss] -> lost (down, not yet detected; still trusted)
//   lost -> [back before detection] -> active, nothing recorded
//   lost -> [failure_detection elapsed] -> recovering (session recovery; still trusted), path_down
//   recovering -> [back before replacement_timeout] -> active, path_up
//   recovering -> [replacement_timeout elapsed] -> failed (multipath failed it), path_failed
//   failed -> [physically back] -> returning (still failed until the checker), path_up
//   returning -> [physical loss] -> failed, path_down
//   returning -> [next checker run] -> active, path_reinstated
// FC enters recovering at the loss itself (no detection delay). An NFS path is only active or lost.
// States of a host's multipath map: in use (a path active) -> no active path (I/O hangs on trusted but dead
// paths) -> queueing (every path failed: I/O hangs for no_path_retry checks) -> exhausted (I/O fails); a
// reinstated path returns the map to in use from either of the last two.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/kernel/time.hpp"
#include "poolsim/models/network.hpp"

namespace poolsim::models {

enum class Rec : std::uint8_t;

using ArrayIndex = std::uint32_t;
using PortalIndex = std::uint32_t;

enum class StorageKind : std::uint8_t { iscsi, nfs, fc, local };
std::string_view to_token(StorageKind kind);

// What an I/O that a host issues now to an SR does.
enum class IoOutcome : std::uint8_t {
  completes,  // promptly
  hangs,      // blocks until the storage state changes (a path returns, or multipath stops queueing)
  fails,      // returns an error at once
};
std::string_view to_token(IoOutcome outcome);

// How dm-multipath groups an array's paths (multipath.conf path_grouping_policy): `failover`, one path per group,
// I/O down one path at a time (multipath-tools' default, kept by XenServer's `defaults`); `multibus`, every path
// in one group, I/O spread over them all (XenServer's multipath.conf for EQLOGIC, LIO-ORG and QNAP arrays).
enum class PathGrouping : std::uint8_t { failover, multibus };

// dm-multipath and session timing for one array, as XenServer configures it. Defaults and sources:
// docs/research/real-behaviour.md §3.
struct MultipathTiming {
  // Path checker period: multipath-tools' built-in DEFAULT_CHECKINT (libmultipath/defaults.h); XenServer's
  // multipath.conf (xapi-project/sm multipath/multipath.conf) does not set it. Failed paths are checked every
  // polling_interval; modelled on the grid k·polling_interval from time 0.
  Duration polling_interval = Duration::seconds(5);
  PathGrouping grouping = PathGrouping::failover;
  // Path checks to queue I/O for once no path is left, then fail: sm multipath.conf `defaults { no_path_retry
  // 10 }` (per-array overrides exist: DELL MD3xxx 30, IBM 2145 5). nullopt = `queue` (for ever), 0 = `fail`.
  std::optional<std::int64_t> no_path_retry = 10;
  // iSCSI: from a path's physical loss until open-iscsi sees its connection failed. open-iscsi etc/iscsid.conf
  // noop_out_interval 5 s + noop_out_timeout 5 s, which sm leaves alone: with I/O flowing up to the loss, the
  // last PDU arrives at the loss, a NOP-Out goes 5 s later and times out 5 s after that (a TCP error or local
  // carrier loss could be seen sooner: not modelled).
  Duration failure_detection = Duration::seconds(10);
  // iSCSI: how long open-iscsi holds I/O on a failed session before erroring it up to dm-multipath, which then
  // fails the path. xapi-project/sm libs/sm/core/iscsi.py `_REPLACEMENT_TMO_MPATH` = 15 s with multipath
  // (`_REPLACEMENT_TMO_DEFAULT` = 144 s without; open-iscsi's own default is 120 s).
  Duration replacement_timeout = Duration::seconds(15);
  // FC: from a remote port's loss (seen at once by the HBA) until I/O on it errors and the path fails, in
  // place of failure_detection + replacement_timeout. multipath-tools' built-in fast_io_fail_tmo (5 s);
  // sm's multipath.conf overrides it only per array (e.g. LIO-ORG 25 s).
  Duration fast_io_fail_tmo = Duration::seconds(5);
};

class Storage {
 public:
  // Records go to `bus` with sources "<array>" and "<array>/<portal>" (the array), "<host>/<array>" (a host's
  // outcome) and "<host>/<array>/<portal>" with detail via=<interface> (a path).
  Storage(EventQueue& queue, EventBus& bus, const Network& network);
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Building (before the run starts): arrays, then their portals, then attachments.
  ArrayIndex add_array(std::string name, StorageKind kind, MultipathTiming timing = {});
  // Not for local arrays, nor after a host is attached to the array.
  PortalIndex add_portal(ArrayIndex array, std::string name, SwitchIndex at);
  // Attaches (plugs) the SR on a host: one path per (interface × portal). `storage_via` is ignored for a local
  // array. A path that is physically down at attachment starts failed; a map with no active path starts with
  // its queue spent (I/O fails, or hangs with no_path_retry = nullopt). A host is attached at most once.
  void attach(ArrayIndex array, std::uint32_t host, std::string host_name, std::vector<Interface> storage_via);

  // Faults and repairs, applied at the current time. Each is idempotent.
  void fail_array(ArrayIndex array);
  void restore_array(ArrayIndex array);
  void fail_portal(PortalIndex portal);
  void restore_portal(PortalIndex portal);
  // The owner calls this from Network::on_change: re-evaluates which paths are physically up.
  void network_changed();

  // What an I/O issued now by `host` to `array` does. The host must be attached.
  IoOutcome io(ArrayIndex array, std::uint32_t host) const;
  // The paths carrying I/O now: physically up and in use by multipath (NFS: physically up; local SR: 0).
  std::size_t paths_up(ArrayIndex array, std::uint32_t host) const;
  // What each host's I/O to the array does now, by host index; none for a host not attached to it.
  void io_by_host(ArrayIndex array, std::vector<std::optional<IoOutcome>>& by_host) const;
  bool array_up(ArrayIndex array) const { return arrays_[array].up; }
  const std::string& name(ArrayIndex array) const { return arrays_[array].name; }

  // Called, in the phase of the change, after anything that may change io() or paths_up(). Listeners must not
  // change the storage.
  void on_change(std::function<void()> listener) { listeners_.push_back(std::move(listener)); }

  // A multipathed map's paths as sm's mpathcount counts them (sm mpathcount.py get_path_count): `usable`, those
  // multipathd's checker does not report faulty (not failed, or back but not yet reinstated); `total`, every path.
  struct PathCount {
    std::size_t usable = 0;
    std::size_t total = 0;
    bool operator==(const PathCount&) const = default;
  };
  // None when the host is not attached to the array or the array is not multipathed (NFS, local).
  std::optional<PathCount> path_count(ArrayIndex array, std::uint32_t host) const;
  std::size_t array_count() const { return arrays_.size(); }
  // Called at each device-mapper PATH_FAILED and PATH_REINSTATED event (the udev events that run mpathcount,
  // sm udev/65-multipath.rules), with the array and the host. Listeners must not change the storage.
  void on_path_event(std::function<void(ArrayIndex, std::uint32_t)> listener) {
    path_listeners_.push_back(std::move(listener));
  }

 private:
  enum class PathState : std::uint8_t { active, lost, recovering, failed, returning };
  struct Portal {
    std::string name;
    ArrayIndex array;
    SwitchIndex at;
    bool up = true;
  };
  struct Path {
    Interface via;
    PortalIndex portal;
    PathState state = PathState::active;
    EventHandle timer;  // pending detection (lost) or failure (recovering)
  };
  struct Attachment {
    std::uint32_t host = 0;
    std::string host_name;
    std::vector<Path> paths;
    std::optional<std::uint32_t> current;  // the path multipath sends I/O down (iSCSI, FC)
    bool powered = true;                   // the host is up (Network::host_powered)
    IoOutcome outcome = IoOutcome::completes;
    bool queueing = false;   // every path failed: multipath's no_path_retry budget is running or spent
    bool exhausted = false;  // the budget is spent: I/O fails
    EventHandle queue_expiry;
    EventHandle checker;  // the next checker run that reinstates returning paths
  };
  struct Array {
    std::string name;
    StorageKind kind;
    MultipathTiming timing;
    bool up = true;
    std::vector<PortalIndex> portals;
    std::vector<Attachment> attachments;
  };

  const Attachment& attachment(ArrayIndex array, std::uint32_t host) const;
  bool physically_up(const Array& array, const Path& path) const;
  // Moves every path of `array` to its physical state; returns whether anything the listeners see changed.
  bool refresh(ArrayIndex array);
  bool refresh_path(ArrayIndex array, std::uint32_t host, std::uint32_t path);
  bool refresh_power(ArrayIndex array, std::uint32_t host);
  void start_paths(const Array& array, Attachment& host);
  void choose_path(const Array& array, Attachment& host);
  void detected(ArrayIndex array, std::uint32_t host, std::uint32_t path);
  void path_failed(ArrayIndex array, std::uint32_t host, std::uint32_t path);
  void checker_run(ArrayIndex array, std::uint32_t host);
  void queue_expired(ArrayIndex array, std::uint32_t host);
  void start_queueing(ArrayIndex array, std::uint32_t host);
  IoOutcome outcome_of(const Array& array, const Attachment& host) const;
  // Recomputes the host's outcome; records and returns whether it changed.
  bool update_outcome(const Array& array, Attachment& host);
  SimTime next_check(const MultipathTiming& timing) const;
  void publish_path(const Array& array, const Attachment& host, const Path& path, Rec event);
  std::string interface_name(Interface itf) const;
  void notify();

  EventQueue& queue_;
  EventBus& bus_;
  const Network& network_;
  std::vector<Array> arrays_;
  std::vector<Portal> portals_;
  std::vector<std::function<void()>> listeners_;
  std::vector<std::function<void(ArrayIndex, std::uint32_t)>> path_listeners_;
};

}  // namespace poolsim::models
