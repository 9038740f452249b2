// How xhad's heartbeats reach its peers (xha daemon/heartbeat.c over the management network, statefile.c over
// the heartbeat SR): what each observer knows of each peer on each channel, and the instants a peer enters or
// leaves the observer's heartbeat or statefile domain.
//
// Two implementations, chosen once per pool (PoolConfig::heartbeats), give the same timeline byte for byte:
//   compressed  heartbeats are not simulated one by one: a peer's arrive on its fixed grid while the path is up,
//               so only the instants that matter (a peer entering or leaving a domain) are computed from the
//               grid when reachability, statefile I/O or a daemon changes, and scheduled
//               (heartbeats_compressed.cpp);
//   messages    every heartbeat and statefile cycle is one kernel event, and the leave is a watchdog per link:
//               the reference the compressed mode is checked against (heartbeats_messages.cpp).
// A change found here is handed to xhad (Xhad::found), which applies all of an instant's in the settle band.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/kernel/time.hpp"
#include "poolsim/models/pool.hpp"

namespace poolsim::models {

struct PoolContext;

// The two ways a daemon hears of a peer: its network heartbeats, and its slot in the statefile.
enum class Channel : std::uint8_t { network, statefile };
inline std::string_view to_token(Channel channel) { return channel == Channel::network ? "network" : "statefile"; }

// What observer h knows of peer p on one channel.
struct Link {
  bool delivering = false;  // compressed: p's heartbeats (or slot updates) reach h now
  bool in_domain = false;
  SimTime first;            // compressed: first grid instant delivered since delivering began
  SimTime written_from;     // compressed, statefile: the peer's first slot write since delivering began
  SimTime last;             // the last one heard (compressed: kept up to date once delivering stopped)
  SimTime deadline;         // the leave, unless heard again by then (compressed: of the pending leave)
  std::optional<SimTime> leave_found;  // messages: when the leave watchdog last found it gone
  EventHandle enter, leave;  // the pending enter and leave (messages: the leave watchdog)
};

class HeartbeatTransport {
 public:
  explicit HeartbeatTransport(PoolContext& context);
  virtual ~HeartbeatTransport() = default;
  HeartbeatTransport(const HeartbeatTransport&) = delete;
  HeartbeatTransport& operator=(const HeartbeatTransport&) = delete;

  Link& link(HostIndex observer, HostIndex peer, Channel c);
  // Whether peer is in observer's domain on c (on the network, a running daemon always hears itself).
  bool in_domain(HostIndex observer, HostIndex peer, Channel c) const;
  // Whether p's heartbeats (or slot writes) reach h now: both daemons run and the path carries them.
  bool delivering(HostIndex observer, HostIndex peer, Channel c) const;
  // HA starts on every host at once: each link starts full where it delivers.
  void start_links();
  // The daemon of `observer` stopped: what it knew of its peers is gone.
  void reset_links(HostIndex observer);

  // Whose grid h hears p on: a heartbeat arrives as it is sent, a slot is found changed at h's own next read
  // (xha statefile.c readsf: updateclock = readclock).
  static HostIndex clock(HostIndex h, HostIndex p, Channel c) { return c == Channel::statefile ? h : p; }

  Duration period(Channel c) const;   // t1 or t2
  Duration timeout(Channel c) const;  // T1 or T2
  // Grid sends at `now` have happened once the protocol band has begun.
  bool sent_now() const;

  // After a change in the physical world or in a daemon (compressed: recomputes every link).
  virtual void refresh() = 0;
  virtual void start_beats(HostIndex h) = 0;  // h's daemon starts heartbeating now
  virtual void stop_beats(HostIndex h) = 0;   // h's daemon stops: its pending beats are void
  // When h last heard p on channel c.
  virtual SimTime last_heard(HostIndex h, HostIndex p, Channel c) const = 0;
  // q will hear w's next network heartbeat: whether it carries a fence request concerning q is decided then.
  virtual void schedule_fence_check(HostIndex q, HostIndex w) = 0;

  // The last statefile cycle p completed (its slot's last change), whatever became of its daemon since.
  SimTime last_write(HostIndex p) const;
  // h's hung statefile cycle completes now, its daemon still running: its slot write goes through now (xha
  // statefile.c sfthread: the cycle writes its slot, then reads every slot), and peers reading find it at their
  // next read. Called for every host whose cycle resumes at this instant before any of them reads.
  void hung_write_completes(HostIndex h);
  // h's statefile I/O completes again after hanging or failing, its daemon still running: its first read counts
  // every slot written since h last read it as updated now (xha statefile.c readsf: readclock is taken as each
  // slot's read completes, and updateclock = readclock on a changed sequence), so such a peer stays in h's
  // statefile domain until T2 after this read at least, whether it still writes or has stopped.
  void reads_resumed(HostIndex h);

 protected:
  void reset_link(Link& l);
  // p's slot, written before and not yet read by h, is read now (p may still be writing).
  virtual void heard_late(HostIndex h, HostIndex p) = 0;
  // h's hung read completed now (message mode: its next cycle finds changed only the slots written after it).
  virtual void read_resumed(HostIndex) {}
  // h's slot was written now, off its grid, by a cycle that hung.
  virtual void written_off_grid(HostIndex h) = 0;
  PoolContext& ctx;
  std::vector<std::vector<Link>> net_, sf_;  // [observer][peer]
  // per host: its last slot write off the grid: before its daemon last stopped, or a hung cycle's completing
  std::vector<SimTime> last_write_;
};

std::unique_ptr<HeartbeatTransport> make_compressed_heartbeats(PoolContext& ctx);
std::unique_ptr<HeartbeatTransport> make_message_heartbeats(PoolContext& ctx);

}  // namespace poolsim::models
