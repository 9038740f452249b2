// The outcome of a run: what happened to each host, the master and each VM, sampled from the pool's ground
// truth at record instants, the alerts raised, every expectation of the scenario judged against it, and the
// summary `poolsim run` prints after the timeline.
//
// An OutcomeRecorder is an observer of the bus (kernel/event_bus.hpp). It never changes model state: it reads
// the Pool's ground-truth getters, which no model decision reads either (docs/architecture.md "Determinism":
// ground truth is for observers only). It samples
// - at each record, at once (so that a state that lasts no simulated time, such as `fenced` before the Xen
//   watchdog's reboot, is still seen when the model publishes after the change), and
// - once more at each record instant in the observation phase, after every fault, hardware, protocol and
//   decision event of that instant, so the state it keeps for the instant is the settled one.
// The samples are incremental (issue #9, docs/performance.md): every sample reads every host and the master,
// but a record's sample reads only the VMs that a record of its instant named as its source ("vm/<name>"),
// since the Pool publishes each VM change under the VM's source, next to the change; the observation-phase
// sample and the first one read every VM. The histories are those of reading everything at every sample;
// with verification on (the default when NDEBUG is not defined), each incremental sample also reads the other
// VMs and throws std::logic_error if one of them changed.
// It lives in the scenario layer, not recording: it needs the scenario's expectations and the Pool's ground
// truth (models), which recording may not see (docs/architecture.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "poolsim/kernel/event_bus.hpp"
#include "poolsim/kernel/event_queue.hpp"
#include "poolsim/kernel/time.hpp"
#include "poolsim/models/pool.hpp"
#include "poolsim/models/records.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::scenario {

// An expectation with its names resolved to the pool's indices (the builder resolves them).
struct Expectation {
  ExpectKind kind = ExpectKind::host_state;
  models::HostIndex host = 0;                 // host_state, host_never, master
  models::VmIndex vm = 0;                     // vm_state, vm_order
  std::optional<models::HostIndex> on;        // vm_state
  models::VmIndex started_after = 0;          // vm_order
  std::size_t service = 0;                    // service_downtime: its index in the scenario's services
  std::string alert;                          // alert_by, alert_never
  models::HostState host_state = models::HostState::up;
  models::VmState vm_state = models::VmState::running;
  VmNeverState vm_never = VmNeverState::halted;  // vm_never
  SimTime earliest;
  SimTime latest;
  Duration at_least;          // vm_order
  Duration downtime_at_most;  // vm_downtime
  SourcePos pos;               // for diagnostics only: verdict lines name an expectation by number and text
  std::string text;  // the expectation as the summary names it: "master xenserver-2 by 7m"
};

// A service of the scenario with its VMs resolved: available while at least `need` of `vms` serve (are
// `running`: a VM that runs without reaching its disks or networks is `impaired`, docs/model.md "Serving").
struct Service {
  std::string name;
  std::vector<models::VmIndex> vms;
  std::size_t need = 1;
};

// When a service was unavailable during a run, and for how long in all.
struct ServiceFigures {
  Duration downtime;                                  // time in [0, end) with fewer than `need` VMs serving
  std::vector<std::pair<SimTime, SimTime>> outages;   // [from, to), to = end when it was still unavailable
};

// What a run did to one VM, for batches (docs/running.md "poolsim batch").
struct VmFigures {
  Duration downtime;           // time not running once it first was running, to the end of the run
  std::uint64_t restarts = 0;  // how many times it entered `starting` (an HA restart or a start)
  bool running_at_end = false;
};

// The figures of a run that batches tabulate; the same definitions as /summary of docs/hdf5-layout.md, read
// from the ground truth rather than from the records.
struct RunFigures {
  std::vector<VmFigures> vms;             // by the pool's VM index (scenario order)
  std::vector<std::uint64_t> host_fences; // by the pool's host index: times it entered `fenced`
  std::uint64_t master_changes = 0;       // a new holder other than the previous one
  std::vector<ServiceFigures> services;   // in the scenario's order
};

// One expectation's verdict.
struct Verdict {
  bool passed = false;
  std::string text;    // the expectation
  std::string reason;  // what was seen: "entered at 360.000000", "the master at 420.000000 is xenserver-1"
  SourcePos pos;
};

// The alert convention: the Pool publishes event `alert` with detail `name=HA_HOST_FAILED` (XenServer's
// message names, docs/model.md "Alerts"; models::alert_table).
inline const std::string_view alert_event = models::token(models::Rec::alert);
// A host's HA daemon fencing it: event `self_fence` from source "<host>/ha", published as the fence begins.
inline const std::string_view fence_event = models::token(models::Rec::self_fence);

class OutcomeRecorder : public TimelineObserver {
 public:
  // Samples are scheduled on `queue` in Phase::observation. `pool` must outlive the recorder.
  OutcomeRecorder(EventQueue& queue, const models::Pool& pool, std::vector<Expectation> expectations,
                  std::vector<Service> services = {});
  const std::vector<Service>& services() const { return services_; }

  // Takes the first sample; call once, after Pool::start() and before the run.
  void begin();
  // Whether each incremental sample checks that the VMs it did not read are unchanged (std::logic_error if
  // not): on by default when NDEBUG is not defined. For tests; it makes every sample read every VM.
  void set_verify(bool on) { verify_ = on; }
  void on_record(const TimelineRecord& record) override;
  void on_finish(SimTime end) override;

  // Every expectation's verdict, in file order; only after on_finish.
  std::vector<Verdict> verdicts() const;
  // The summary as `#` comment lines, each ending in '\n': per VM its outages (down from, back at, where),
  // fences per host, master changes, alerts raised. Only after on_finish.
  std::string summary() const;
  // The figures of the run up to `end`: after on_finish (end = its end), or after a broken invariant (end = the
  // time of the violation), when on_finish never came.
  RunFigures figures(SimTime end) const;

 private:
  struct HostChange {
    SimTime time;
    models::HostState state;
  };
  struct VmChange {
    SimTime time;
    std::uint64_t order;  // sample number: orders changes within one instant
    models::VmState state;
    std::optional<models::HostIndex> host;
  };
  struct MasterChange {
    SimTime time;
    std::optional<models::HostIndex> master;
  };
  struct Alert {
    std::string name;
    SimTime first;
    std::uint64_t count = 0;
  };

  // Records what changed: every host and the master, and every VM when `all_vms`, else the watched ones.
  void sample(SimTime now, bool all_vms);
  void record_vm(models::VmIndex vm, SimTime now);
  Verdict judge(const Expectation& e) const;
  Verdict judge_vm_never(const Expectation& e, Verdict v) const;
  Verdict judge_downtime(const Expectation& e, Verdict v) const;
  Verdict judge_alert(const Expectation& e, Verdict v) const;
  Verdict judge_service(const Expectation& e, Verdict v) const;
  ServiceFigures service_figures(const Service& service, SimTime end) const;
  models::HostState host_state_at(models::HostIndex host, SimTime t) const;
  std::optional<models::HostIndex> master_at(SimTime t) const;
  const VmChange& vm_at(models::VmIndex vm, SimTime t) const;
  // The last start of a VM (entering starting, or running from halted), if it started during the run.
  const VmChange* last_start(models::VmIndex vm) const;
  std::string host_name(std::optional<models::HostIndex> host) const;

  EventQueue& queue_;
  const models::Pool& pool_;
  std::vector<Expectation> expectations_;
  std::vector<Service> services_;
  std::vector<std::vector<HostChange>> hosts_;
  std::vector<std::vector<VmChange>> vms_;
  // Each VM's last recorded state, side by side (the back of vms_[v], without a pointer to follow per VM).
  struct VmLast {
    bool known = false;
    models::VmState state = models::VmState::halted;
    std::optional<models::HostIndex> host;
  };
  std::vector<VmLast> vm_last_;
  std::vector<MasterChange> masters_;
  std::vector<Alert> alerts_;  // in order of first appearance
  std::optional<SimTime> settle_scheduled_;  // the instant whose observation-phase sample is pending
  // Names to indices, for the records' sources (a heterogeneous lookup by string_view).
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, models::VmIndex, NameHash, std::equal_to<>> vm_index_;
  std::unordered_map<std::string, models::HostIndex, NameHash, std::equal_to<>> host_index_;
  // The VMs named as the source of a record at the instant `watch_instant_`, read at each later sample of it.
  std::vector<models::VmIndex> watched_;
  std::vector<bool> is_watched_;  // by VM index
  std::optional<SimTime> watch_instant_;
  bool begun_ = false;
  bool verify_;  // set by the constructor: on when NDEBUG is not defined
  std::uint64_t samples_ = 0;
  SimTime end_;
  bool finished_ = false;
};

}  // namespace poolsim::scenario
