#include "poolsim/analysis/heartbeat_mesh.hpp"

#include <cstddef>
#include <memory>
#include <queue>
#include <stdexcept>
#include <vector>

#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/kernel/timers.hpp"

namespace poolsim::bench {
namespace {

// The workload's state and rules, shared by both event loops so that only the loops differ.
class Mesh {
 public:
  explicit Mesh(const MeshParameters& p)
      : p_(p), n_(p.hosts), crash_at_(SimTime::zero() + p.until / 2), last_seen_(std::size_t{n_} * n_, 0),
        detected_(n_, false) {
    if (n_ < 2) throw std::invalid_argument("the heartbeat mesh needs at least 2 hosts");
  }

  std::uint32_t hosts() const { return n_; }
  SimTime phase_of(std::uint32_t host) const { return SimTime::zero() + p_.period * host / n_; }
  SimTime crash_at() const { return crash_at_; }
  bool alive(std::uint32_t host, SimTime now) const { return host != 0 || now < crash_at_; }

  void count_send() { ++f_.sends; }
  void deliver(std::uint32_t receiver, std::uint32_t sender, SimTime now) {
    ++f_.deliveries;
    if (!alive(receiver, now)) {
      ++f_.dropped;
      return;
    }
    last_seen_[std::size_t{receiver} * n_ + sender] = now.ns();
  }
  void check(std::uint32_t host, SimTime now) {
    ++f_.checks;
    const std::int64_t* seen = &last_seen_[std::size_t{host} * n_];
    for (std::uint32_t peer = 0; peer < n_; ++peer) {
      if (peer == host || now.ns() - seen[peer] <= p_.detection_timeout.ns()) continue;
      ++f_.missing_observations;
      if (peer == 0 && !detected_[host]) {
        detected_[host] = true;
        if (!f_.detection_min || now < *f_.detection_min) f_.detection_min = now;
        if (!f_.detection_max || now > *f_.detection_max) f_.detection_max = now;
      }
    }
  }
  MeshFigures figures() const {
    MeshFigures f = f_;
    f.events = f.sends + f.checks + f.deliveries;
    return f;
  }

 private:
  MeshParameters p_;
  std::uint32_t n_;
  SimTime crash_at_;
  std::vector<std::int64_t> last_seen_;  // [receiver * n + sender], nanoseconds
  std::vector<bool> detected_;
  MeshFigures f_;
};

}  // namespace

MeshFigures run_mesh_on_kernel(const MeshParameters& p) {
  // Actions capture one pointer and two host indices (16 bytes), the size an event action is stored in
  // without a heap allocation.
  struct World {
    Mesh mesh;
    EventQueue queue;
    Duration latency;
  } world{Mesh(p), {}, p.latency};
  World* w = &world;
  const std::uint32_t n = world.mesh.hosts();
  std::vector<std::unique_ptr<PeriodicTimer>> sends, checks;
  for (std::uint32_t host = 0; host < n; ++host) {
    sends.push_back(std::make_unique<PeriodicTimer>(world.queue, Phase::protocol, [w, host, n] {
      w->mesh.count_send();
      for (std::uint32_t peer = 0; peer < n; ++peer) {
        if (peer == host) continue;
        w->queue.schedule_in(w->latency, Phase::protocol, [w, peer, host] { w->mesh.deliver(peer, host, w->queue.now()); });
      }
    }));
    checks.push_back(std::make_unique<PeriodicTimer>(world.queue, Phase::protocol,
                                                     [w, host] { w->mesh.check(host, w->queue.now()); }));
    sends.back()->start(world.mesh.phase_of(host), p.period);
    checks.back()->start(world.mesh.phase_of(host) + p.period / 2, p.period);
  }
  // The crash: from crash_at on (inclusive) host 0 neither sends nor checks. The fault band runs before the
  // protocol band, so a send due at that very instant does not happen.
  world.queue.schedule_at(world.mesh.crash_at(), Phase::fault, [&sends, &checks] {
    sends[0]->stop();
    checks[0]->stop();
  });
  world.queue.run_until(SimTime::zero() + p.until);
  return world.mesh.figures();
}

MeshFigures run_mesh_on_baseline(const MeshParameters& p) {
  // The baseline: one plain struct per event in a std::priority_queue, ordered by (time, sequence).
  enum Kind : std::uint32_t { send, check, deliver };
  struct Event {
    std::int64_t time;
    std::uint64_t sequence;
    Kind kind;
    std::uint32_t host;  // the sender, the checker, or the receiver
    std::uint32_t peer;  // for a delivery: the sender
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time > b.time || (a.time == b.time && a.sequence > b.sequence);
    }
  };
  Mesh mesh(p);
  const std::uint32_t n = mesh.hosts();
  const std::int64_t until = p.until.ns();
  std::priority_queue<Event, std::vector<Event>, Later> queue;
  std::uint64_t sequence = 0;
  for (std::uint32_t host = 0; host < n; ++host) {
    queue.push({mesh.phase_of(host).ns(), sequence++, send, host, 0});
    queue.push({(mesh.phase_of(host) + p.period / 2).ns(), sequence++, check, host, 0});
  }
  while (!queue.empty() && queue.top().time < until) {
    const Event e = queue.top();
    queue.pop();
    const SimTime now = SimTime::from_ns(e.time);
    switch (e.kind) {
      case send:
        if (!mesh.alive(e.host, now)) break;
        mesh.count_send();
        for (std::uint32_t peer = 0; peer < n; ++peer) {
          if (peer != e.host) queue.push({e.time + p.latency.ns(), sequence++, deliver, peer, e.host});
        }
        queue.push({e.time + p.period.ns(), sequence++, send, e.host, 0});
        break;
      case check:
        if (!mesh.alive(e.host, now)) break;
        mesh.check(e.host, now);
        queue.push({e.time + p.period.ns(), sequence++, check, e.host, 0});
        break;
      case deliver:
        mesh.deliver(e.host, e.peer, now);
        break;
    }
  }
  return mesh.figures();
}

std::optional<MeshFigures> reference_figures(const MeshParameters& p) {
  const MeshParameters defaults;
  if (p.until != Duration::seconds(3600) || p.period != defaults.period || p.latency != defaults.latency ||
      p.detection_timeout != defaults.detection_timeout) {
    return std::nullopt;
  }
  // docs/performance.md "Heartbeat-mesh benchmark", reference counts.
  if (p.hosts == 16) {
    return MeshFigures{948'592, 55'800, 55'792, 837'000, 27'000, 26'564,
                       SimTime::from_ns(1'829'062'500'000), SimTime::from_ns(1'830'000'000'000)};
  }
  if (p.hosts == 64) {
    return MeshFigures{14'858'968, 228'600, 228'568, 14'401'800, 113'400, 111'572,
                       SimTime::from_ns(1'829'015'625'000), SimTime::from_ns(1'830'000'000'000)};
  }
  return std::nullopt;
}

}  // namespace poolsim::bench
