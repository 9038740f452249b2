// Serving vs running (docs/model.md "Serving"): a running VM whose disks' I/O or networks are gone is impaired,
// and impaired time is downtime.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "poolsim/scenario/build.hpp"
#include "poolsim/scenario/load.hpp"

namespace poolsim::scenario {
namespace {

// Two hosts; xs2 carries its VM network on eth1, apart from management and storage on eth0. `internal` has no
// PIF on any host.
constexpr std::string_view pool_text = R"(name: serving
seed: 1
until: 3h
pool:
  switches:
    - {name: sw1}
  storage:
    - name: sr1
      type: iscsi
      size: 80GiB
      portals: [{name: tgt-a, switch: sw1}, {name: tgt-b, switch: sw1}]
  networks:
    - {name: lan}
    - {name: internal}
  hosts:
    - name: xs1
      master: true
      memory: 32GiB
      cpus: 8
      nics: [{name: eth0, switch: sw1}]
      management: eth0
      pif_networks: {lan: eth0}
    - name: xs2
      memory: 32GiB
      cpus: 8
      nics: [{name: eth0, switch: sw1}, {name: eth1, switch: sw1}]
      management: eth0
      pif_networks: {lan: eth1}
  vms:
    - {name: web, memory: 4GiB, vcpus: 2, host: xs1, disks: [sr1], networks: [lan], ha: {restart_priority: restart}}
    - {name: db, memory: 4GiB, vcpus: 2, host: xs2, disks: [sr1], networks: [lan, internal]}
  ha:
    enabled: true
    heartbeat_sr: sr1
    host_failures_to_tolerate: 1
faults:
FAULTS
)";

struct Records : TimelineObserver {
  std::vector<std::string> lines;
  void on_record(const TimelineRecord& r) override {
    if (r.source.rfind("vm/", 0) == 0) {
      lines.push_back(std::to_string(r.time.since_start().whole_seconds()) + " " + r.source + " " + std::string(r.event) + " " +
                      r.details_text());
    }
  }
};

struct ARun {
  std::unique_ptr<Simulation> sim;
  Records records;
};

void run(ARun& out, const std::string& faults, std::string_view expect = "") {
  std::string text(pool_text);
  text.replace(text.find("FAULTS"), 6, faults + (expect.empty() ? "" : "expect:\n" + std::string(expect)));
  LoadResult loaded = load_scenario_text(text, "serving.yaml");
  for (const Diagnostic& d : loaded.diagnostics) ADD_FAILURE() << format_diagnostic(d);
  ASSERT_TRUE(loaded.spec);
  BuildResult built = build_simulation(std::move(*loaded.spec), "serving.yaml");
  ASSERT_TRUE(built.simulation);
  out.sim = std::move(built.simulation);
  out.sim->bus().subscribe(out.records);
  out.sim->run(SimTime::zero() + Duration::hours(3));
}

// The whole array gone for 2 h: rule 2 keeps every host up, HA restarts nothing, and both VMs, running
// throughout, serve nothing for the 2 h.
TEST(Serving, ATwoHourArrayLossCostsItsVmsTwoHours) {
  ARun r;
  run(r, "  - {at: 10m, do: storage_fail, storage: sr1}\n  - {at: 2h10m, do: storage_restore, storage: sr1}\n");
  const RunFigures figures = r.sim->outcome().figures(SimTime::zero() + Duration::hours(3));
  for (const std::size_t v : {0u, 1u}) {
    EXPECT_GE(figures.vms[v].downtime, Duration::hours(2)) << v;
    EXPECT_LT(figures.vms[v].downtime, Duration::hours(2) + Duration::minutes(1)) << v;
    EXPECT_EQ(figures.vms[v].restarts, 0u) << v;
  }
  EXPECT_EQ(r.records.lines.front(), "600 vm/web vm_impaired host=xs1 reason=storage sr=sr1");
  EXPECT_EQ(r.sim->pool().vm_power_state(0), models::VmState::running);
  EXPECT_EQ(r.sim->pool().vm_state(0), models::VmState::running);
}

// The VM network's cable out for a minute: db stops serving at once and serves again when the cable is back;
// storage and HA see nothing (management and iSCSI are on eth0). The internal network never counts.
TEST(Serving, AVmNetworkWithoutAnUpPathImpairsItsVms) {
  ARun r;
  run(r, "  - {at: 10m, do: unplug, host: xs2, nic: eth1}\n  - {at: 11m, do: replug, host: xs2, nic: eth1}\n",
      "  - {vm: db, state: impaired, on: xs2, by: 10m30s}\n  - {vm: db, state: running, on: xs2, by: 11m30s}\n"
      "  - {vm: db, downtime_at_most: 1m}\n  - {vm: db, never: impaired}\n  - {vm: web, never: impaired}\n");
  EXPECT_EQ(r.records.lines, (std::vector<std::string>{"600 vm/db vm_impaired host=xs2 network=lan reason=network",
                                                       "660 vm/db vm_serving host=xs2"}));
  const std::vector<Verdict> verdicts = r.sim->outcome().verdicts();
  ASSERT_EQ(verdicts.size(), 5u);
  for (const std::size_t i : {0u, 1u, 2u, 4u}) EXPECT_TRUE(verdicts[i].passed) << verdicts[i].text << ": " << verdicts[i].reason;
  EXPECT_FALSE(verdicts[3].passed);
  EXPECT_EQ(verdicts[3].reason, "impaired at 600.000000");
  EXPECT_EQ(r.sim->outcome().figures(SimTime::zero() + Duration::hours(3)).vms[1].downtime, Duration::minutes(1));
}

// A service counts its VMs as serving, not as running: db impaired for the minute without its network makes a
// service that needs web and db unavailable for that minute, while one that needs either stays available.
TEST(Serving, AnImpairedVmDoesNotServeItsService) {
  ARun r;
  run(r,
      "  - {at: 10m, do: unplug, host: xs2, nic: eth1}\n  - {at: 11m, do: replug, host: xs2, nic: eth1}\n"
      "services:\n  - {name: both, vms: [web, db], need: 2}\n  - {name: either, vms: [web, db]}\n",
      "  - {service: both, downtime_at_most: 59s}\n  - {service: either, downtime_at_most: 0s}\n");
  const std::vector<Verdict> verdicts = r.sim->outcome().verdicts();
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_EQ(verdicts[0].reason, "unavailable 1m00s in all, in 1 outage; wanted at most 59s");
  EXPECT_TRUE(verdicts[1].passed) << verdicts[1].reason;
  EXPECT_EQ(verdicts[1].reason, "unavailable 0s in all, in 0 outages");
}

// xs1's only cable out takes web's SR and its network at once: the record names the storage, checked first.
TEST(Serving, TheFirstCauseIsNamedStorageBeforeNetwork) {
  ARun r;
  run(r, "  - {at: 10m, do: unplug, host: xs1, nic: eth0}\n");
  ASSERT_FALSE(r.records.lines.empty());
  EXPECT_EQ(r.records.lines.front(), "600 vm/web vm_impaired host=xs1 reason=storage sr=sr1");
}

}  // namespace
}  // namespace poolsim::scenario
