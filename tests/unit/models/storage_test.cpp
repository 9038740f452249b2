#include "poolsim/models/storage.hpp"

#include <gtest/gtest.h>

#include "unit/models/timeline_lines.hpp"

#include <string>
#include <vector>

namespace poolsim::models {
namespace {

SimTime at_ms(std::int64_t ms) { return SimTime::zero() + Duration::milliseconds(ms); }

// The tutorial's pool, storage side: hosts xs1 and xs2, each with bond0 = eth0 on sw1 + eth1 on sw2 (a stack),
// carrying iSCSI to an array whose portals p1 and p2 sit on sw1 and sw2: two paths per host (bond0 × portal).
// XenServer's default timing: a path fails 10 s + 15 s after its loss; 10 checks × 5 s of queueing.
struct StoragePool : ::testing::Test {
  EventQueue queue;
  EventBus bus;
  Lines log;
  Network net{queue, bus};
  Storage storage{queue, bus, net};
  SwitchIndex sw1 = net.add_switch("sw1");
  SwitchIndex sw2 = net.add_switch("sw2");
  NicIndex a0 = net.add_nic("xs1", "eth0", sw1);
  NicIndex a1 = net.add_nic("xs1", "eth1", sw2);
  NicIndex b0 = net.add_nic("xs2", "eth0", sw1);
  NicIndex b1 = net.add_nic("xs2", "eth1", sw2);
  BondIndex a = net.add_bond("xs1", "bond0", {a0, a1}, BondMode::active_backup, BondTiming{});
  BondIndex b = net.add_bond("xs2", "bond0", {b0, b1}, BondMode::active_backup, BondTiming{});
  ArrayIndex sr = 0;
  PortalIndex p1 = 0, p2 = 0;
  int changes = 0;

  void build(StorageKind kind = StorageKind::iscsi, MultipathTiming timing = {}) {
    net.link_switches(sw1, sw2);
    sr = storage.add_array("sr1", kind, timing);
    p1 = storage.add_portal(sr, "p1", sw1);
    p2 = storage.add_portal(sr, "p2", sw2);
    storage.attach(sr, 0, "xs1", {Interface::of_bond(a)});
    storage.attach(sr, 1, "xs2", {Interface::of_bond(b)});
    net.on_change([this] { storage.network_changed(); });
    storage.on_change([this] { ++changes; });
    bus.subscribe(log);
  }
  IoOutcome io1() const { return storage.io(sr, 0); }
  IoOutcome io2() const { return storage.io(sr, 1); }
  // Applies `fault` at `t` as a scripted fault would.
  template <typename F>
  void at(SimTime t, F fault) {
    queue.schedule_at(t, Phase::fault, fault);
  }
};

// The portal not in use (p2) is lost. With `failover` grouping no I/O goes its way: nothing stalls. With
// `multibus` every path of the one group carries I/O in turn, so I/O stalls from the loss until multipath fails
// the path (10 s + 15 s) and resubmits it on p1's; the counts mpathcount reads follow the path's state.
TEST(StorageGrouping, ALostPathStallsIoOnlyWhenTheGroupSpreadsIoOverEveryPath) {
  for (const PathGrouping grouping : {PathGrouping::failover, PathGrouping::multibus}) {
    EventQueue q;
    EventBus b;
    Network n{q, b};
    Storage st{q, b, n};
    const SwitchIndex s1 = n.add_switch("sw1");
    const NicIndex e0 = n.add_nic("xs1", "eth0", s1);
    MultipathTiming timing;
    timing.grouping = grouping;
    const ArrayIndex array = st.add_array("sr1", StorageKind::iscsi, timing);
    st.add_portal(array, "p1", s1);
    const PortalIndex second = st.add_portal(array, "p2", s1);
    st.attach(array, 0, "xs1", {Interface::of_nic(e0)});
    n.on_change([&st] { st.network_changed(); });
    q.schedule_at(at_ms(100'000), Phase::fault, [&] { st.fail_portal(second); });
    const bool multibus = grouping == PathGrouping::multibus;
    q.run_until(at_ms(100'001));
    EXPECT_EQ(st.io(array, 0), multibus ? IoOutcome::hangs : IoOutcome::completes);
    EXPECT_EQ(st.path_count(array, 0), (Storage::PathCount{2, 2})) << "lost, not yet failed: still counted";
    q.run_until(at_ms(124'999));
    EXPECT_EQ(st.io(array, 0), multibus ? IoOutcome::hangs : IoOutcome::completes);
    q.run_until(at_ms(125'001));
    EXPECT_EQ(st.io(array, 0), IoOutcome::completes) << "p2's path failed at 125 s";
    EXPECT_EQ(st.path_count(array, 0), (Storage::PathCount{1, 2}));
  }
}

// p1's path is the one in use (failover grouping: the first path): its I/O stalls in the dead session for
// failure_detection 10 s + replacement_timeout 15 s, then multipath fails the path and retries on p2's.
TEST_F(StoragePool, ThePortalInUseLostStallsIoUntilMultipathFailsItsPath) {
  build();
  at(at_ms(100'000), [&] { storage.fail_portal(p1); });
  at(at_ms(200'200), [&] { storage.restore_portal(p1); });
  queue.run_until(at_ms(100'001));
  EXPECT_EQ(io1(), IoOutcome::hangs);
  EXPECT_EQ(storage.paths_up(sr, 0), 1u);
  queue.run_until(at_ms(124'999));
  EXPECT_EQ(io1(), IoOutcome::hangs) << "the path in use is still trusted: I/O waits in its session";
  queue.run_until(at_ms(125'001));
  EXPECT_EQ(io1(), IoOutcome::completes) << "failed at 125 s: retried on p2's path";
  queue.run_until(at_ms(300'000));
  EXPECT_EQ(io1(), IoOutcome::completes);
  EXPECT_EQ(storage.paths_up(sr, 0), 2u);
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "100.000000 sr1/p1 portal_down",
                           "100.000000 xs1/sr1 io_hangs",
                           "100.000000 xs2/sr1 io_hangs",
                           "110.000000 xs1/sr1/p1 path_down via=bond0",
                           "110.000000 xs2/sr1/p1 path_down via=bond0",
                           "125.000000 xs1/sr1/p1 path_failed via=bond0",
                           "125.000000 xs1/sr1 io_completes",
                           "125.000000 xs2/sr1/p1 path_failed via=bond0",
                           "125.000000 xs2/sr1 io_completes",
                           "200.200000 sr1/p1 portal_up",
                           "200.200000 xs1/sr1/p1 path_up via=bond0",
                           "200.200000 xs2/sr1/p1 path_up via=bond0",
                           "205.000000 xs1/sr1/p1 path_reinstated via=bond0",
                           "205.000000 xs2/sr1/p1 path_reinstated via=bond0",
                       }));
}

// Losing a path not in use costs nothing: I/O keeps going down p1's path, and p1's stays in use after p2's
// returns (equal priorities: failback never moves I/O).
TEST_F(StoragePool, APortalNotInUseLostKeepsIoCompleting) {
  build();
  at(at_ms(100'000), [&] { storage.fail_portal(p2); });
  at(at_ms(200'200), [&] { storage.restore_portal(p2); });
  at(at_ms(300'000), [&] { storage.fail_portal(p1); });
  queue.run_until(at_ms(299'000));
  EXPECT_EQ(io1(), IoOutcome::completes);
  EXPECT_EQ(storage.paths_up(sr, 0), 2u);
  queue.run_until(at_ms(300'001));
  EXPECT_EQ(io1(), IoOutcome::hangs) << "p1's path is still the one in use";
  const std::vector<std::string> head(log.lines.begin(), log.lines.begin() + 11);
  EXPECT_EQ(head, (std::vector<std::string>{
                      "100.000000 sr1/p2 portal_down",
                      "110.000000 xs1/sr1/p2 path_down via=bond0",
                      "110.000000 xs2/sr1/p2 path_down via=bond0",
                      "125.000000 xs1/sr1/p2 path_failed via=bond0",
                      "125.000000 xs2/sr1/p2 path_failed via=bond0",
                      "200.200000 sr1/p2 portal_up",
                      "200.200000 xs1/sr1/p2 path_up via=bond0",
                      "200.200000 xs2/sr1/p2 path_up via=bond0",
                      "205.000000 xs1/sr1/p2 path_reinstated via=bond0",
                      "205.000000 xs2/sr1/p2 path_reinstated via=bond0",
                      "300.000000 sr1/p1 portal_down",
                  }));
}

// The path in use comes back during session recovery: the stalled I/O completes then, on the same path, and
// multipath never failed it.
TEST_F(StoragePool, ThePathInUseBackBeforeItFailsEndsTheStall) {
  build();
  at(at_ms(100'000), [&] { storage.fail_portal(p1); });
  at(at_ms(117'000), [&] { storage.restore_portal(p1); });
  queue.run_until(at_ms(200'000));
  EXPECT_EQ(io1(), IoOutcome::completes);
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "100.000000 sr1/p1 portal_down",
                           "100.000000 xs1/sr1 io_hangs",
                           "100.000000 xs2/sr1 io_hangs",
                           "110.000000 xs1/sr1/p1 path_down via=bond0",
                           "110.000000 xs2/sr1/p1 path_down via=bond0",
                           "117.000000 sr1/p1 portal_up",
                           "117.000000 xs1/sr1/p1 path_up via=bond0",
                           "117.000000 xs1/sr1 io_completes",
                           "117.000000 xs2/sr1/p1 path_up via=bond0",
                           "117.000000 xs2/sr1 io_completes",
                       }));
}

TEST_F(StoragePool, WholeArrayLostHangsThenFailsAfterTheQueueBudget) {
  build();
  at(at_ms(100'000), [&] { storage.fail_array(sr); });
  queue.run_until(at_ms(100'000));
  EXPECT_EQ(io1(), IoOutcome::completes);
  queue.run_until(at_ms(100'001));
  EXPECT_EQ(io1(), IoOutcome::hangs);
  queue.run_until(at_ms(175'000));  // 100 + 10 (detection) + 15 (replacement) + 10 × 5 (queueing)
  EXPECT_EQ(io1(), IoOutcome::hangs);
  queue.run_until(at_ms(175'001));
  EXPECT_EQ(io1(), IoOutcome::fails);
  EXPECT_EQ(io2(), IoOutcome::fails);
  at(at_ms(300'500), [&] { storage.restore_array(sr); });
  queue.run_until(at_ms(400'000));
  EXPECT_EQ(io1(), IoOutcome::completes);
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "100.000000 sr1 array_down",
                           "100.000000 xs1/sr1 io_hangs",
                           "100.000000 xs2/sr1 io_hangs",
                           "110.000000 xs1/sr1/p1 path_down via=bond0",
                           "110.000000 xs1/sr1/p2 path_down via=bond0",
                           "110.000000 xs2/sr1/p1 path_down via=bond0",
                           "110.000000 xs2/sr1/p2 path_down via=bond0",
                           "125.000000 xs1/sr1/p1 path_failed via=bond0",
                           "125.000000 xs1/sr1/p2 path_failed via=bond0",
                           "125.000000 xs2/sr1/p1 path_failed via=bond0",
                           "125.000000 xs2/sr1/p2 path_failed via=bond0",
                           "175.000000 xs1/sr1 io_fails",
                           "175.000000 xs2/sr1 io_fails",
                           "300.500000 sr1 array_up",
                           "300.500000 xs1/sr1/p1 path_up via=bond0",
                           "300.500000 xs1/sr1/p2 path_up via=bond0",
                           "300.500000 xs2/sr1/p1 path_up via=bond0",
                           "300.500000 xs2/sr1/p2 path_up via=bond0",
                           "305.000000 xs1/sr1/p1 path_reinstated via=bond0",
                           "305.000000 xs1/sr1/p2 path_reinstated via=bond0",
                           "305.000000 xs1/sr1 io_completes",
                           "305.000000 xs2/sr1/p1 path_reinstated via=bond0",
                           "305.000000 xs2/sr1/p2 path_reinstated via=bond0",
                           "305.000000 xs2/sr1 io_completes",
                       }));
}

TEST_F(StoragePool, ArrayBackWhileQueueingCompletesAtTheNextCheck) {
  build();
  at(at_ms(100'000), [&] { storage.fail_array(sr); });
  at(at_ms(150'300), [&] { storage.restore_array(sr); });  // paths failed at 125, queue runs until 175
  queue.run_until(at_ms(154'999));
  EXPECT_EQ(io1(), IoOutcome::hangs) << "failed paths wait for the checker";
  queue.run_until(at_ms(1'000'000));
  EXPECT_EQ(io1(), IoOutcome::completes);
  const std::vector<std::string> tail(log.lines.end() - 7, log.lines.end());
  EXPECT_EQ(tail, (std::vector<std::string>{
                      "150.300000 xs2/sr1/p2 path_up via=bond0",
                      "155.000000 xs1/sr1/p1 path_reinstated via=bond0",
                      "155.000000 xs1/sr1/p2 path_reinstated via=bond0",
                      "155.000000 xs1/sr1 io_completes",
                      "155.000000 xs2/sr1/p1 path_reinstated via=bond0",
                      "155.000000 xs2/sr1/p2 path_reinstated via=bond0",
                      "155.000000 xs2/sr1 io_completes",
                  }));
  for (const std::string& line : log.lines) EXPECT_EQ(line.find("io_fails"), std::string::npos) << line;
}

TEST_F(StoragePool, ArrayBackDuringSessionRecoveryNeverFailsAPath) {
  build();
  at(at_ms(100'000), [&] { storage.fail_array(sr); });
  at(at_ms(120'000), [&] { storage.restore_array(sr); });  // detected at 110, would fail at 125
  queue.run_until(at_ms(400'000));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "100.000000 sr1 array_down",
                           "100.000000 xs1/sr1 io_hangs",
                           "100.000000 xs2/sr1 io_hangs",
                           "110.000000 xs1/sr1/p1 path_down via=bond0",
                           "110.000000 xs1/sr1/p2 path_down via=bond0",
                           "110.000000 xs2/sr1/p1 path_down via=bond0",
                           "110.000000 xs2/sr1/p2 path_down via=bond0",
                           "120.000000 sr1 array_up",
                           "120.000000 xs1/sr1/p1 path_up via=bond0",
                           "120.000000 xs1/sr1/p2 path_up via=bond0",
                           "120.000000 xs1/sr1 io_completes",
                           "120.000000 xs2/sr1/p1 path_up via=bond0",
                           "120.000000 xs2/sr1/p2 path_up via=bond0",
                           "120.000000 xs2/sr1 io_completes",
                       }));
}

TEST_F(StoragePool, ABlipShorterThanDetectionRecordsNoPathEvent) {
  build();
  at(at_ms(100'000), [&] { storage.fail_array(sr); });
  at(at_ms(109'999), [&] { storage.restore_array(sr); });
  queue.run_until(at_ms(400'000));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "100.000000 sr1 array_down",
                           "100.000000 xs1/sr1 io_hangs",
                           "100.000000 xs2/sr1 io_hangs",
                           "109.999000 sr1 array_up",
                           "109.999000 xs1/sr1 io_completes",
                           "109.999000 xs2/sr1 io_completes",
                       }));
  EXPECT_TRUE(queue.empty()) << "the cancelled deadlines leave nothing pending";
}

TEST_F(StoragePool, TheLastPathLostDecidesWhenIoHangsAndFails) {
  build();
  at(at_ms(100'000), [&] { storage.fail_portal(p1); });
  at(at_ms(200'000), [&] { storage.fail_portal(p2); });
  queue.run_until(at_ms(199'999));
  EXPECT_EQ(io1(), IoOutcome::completes);
  queue.run_until(at_ms(200'001));
  EXPECT_EQ(io1(), IoOutcome::hangs);
  queue.run_until(at_ms(275'000));  // p2's path fails at 225; then 50 s of queueing
  EXPECT_EQ(io1(), IoOutcome::hangs);
  queue.run_until(at_ms(275'001));
  EXPECT_EQ(io1(), IoOutcome::fails);
}

TEST_F(StoragePool, NoPathRetryZeroFailsAsSoonAsTheLastPathIsFailed) {
  MultipathTiming timing;
  timing.no_path_retry = 0;
  build(StorageKind::iscsi, timing);
  at(at_ms(100'000), [&] { storage.fail_array(sr); });
  queue.run_until(at_ms(124'999));
  EXPECT_EQ(io1(), IoOutcome::hangs) << "a path multipath still trusts holds the I/O";
  queue.run_until(at_ms(125'001));
  EXPECT_EQ(io1(), IoOutcome::fails);
  ASSERT_EQ(log.lines.size(), 13u);
  EXPECT_EQ(log.lines[8], "125.000000 xs1/sr1/p2 path_failed via=bond0");
  EXPECT_EQ(log.lines[9], "125.000000 xs1/sr1 io_fails");
  EXPECT_EQ(log.lines[12], "125.000000 xs2/sr1 io_fails");
}

TEST_F(StoragePool, NoPathRetryQueueHangsForEver) {
  MultipathTiming timing;
  timing.no_path_retry = std::nullopt;
  build(StorageKind::iscsi, timing);
  at(at_ms(100'000), [&] { storage.fail_array(sr); });
  queue.run_until(SimTime::zero() + Duration::days(30));
  EXPECT_EQ(io1(), IoOutcome::hangs);
  EXPECT_TRUE(queue.empty()) << "no event while nothing changes";
  at(SimTime::zero() + Duration::days(30) + Duration::seconds(1), [&] { storage.restore_array(sr); });
  queue.run();
  EXPECT_EQ(io1(), IoOutcome::completes);
  EXPECT_EQ(log.lines.back(), "2592005.000000 xs2/sr1 io_completes");
}

TEST_F(StoragePool, PullingTheHostsStorageCablesTakesItsPathsDown) {
  build();
  at(at_ms(100'000), [&] {
    net.unplug(a0);
    net.unplug(a1);
  });
  queue.run_until(at_ms(200'000));
  EXPECT_EQ(io1(), IoOutcome::fails);
  EXPECT_EQ(io2(), IoOutcome::completes);
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "100.000000 xs1/eth0 link_down cause=unplug",
                           "100.000000 xs1/sr1 io_hangs",
                           "100.000000 xs1/eth1 link_down cause=unplug",
                           "100.200000 xs1/bond0 member_down member=eth0",
                           "100.200000 xs1/bond0 failover from=eth0 to=eth1",
                           "100.200000 xs1/bond0 member_down member=eth1",
                           "100.200000 xs1/bond0 bond_down",
                           "110.000000 xs1/sr1/p1 path_down via=bond0",
                           "110.000000 xs1/sr1/p2 path_down via=bond0",
                           "125.000000 xs1/sr1/p1 path_failed via=bond0",
                           "125.000000 xs1/sr1/p2 path_failed via=bond0",
                           "175.000000 xs1/sr1 io_fails",
                       }));
}

TEST_F(StoragePool, PullingOneBondMemberCostsABlipAndNoPathEvent) {
  build();
  at(at_ms(100'000), [&] { net.unplug(a0); });
  queue.run_until(at_ms(100'100));
  EXPECT_EQ(io1(), IoOutcome::hangs) << "frames through eth0 are lost until the bond fails over";
  queue.run_until(at_ms(400'000));
  EXPECT_EQ(io1(), IoOutcome::completes);
  EXPECT_EQ(storage.paths_up(sr, 0), 2u);
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "100.000000 xs1/eth0 link_down cause=unplug",
                           "100.000000 xs1/sr1 io_hangs",
                           "100.200000 xs1/bond0 member_down member=eth0",
                           "100.200000 xs1/bond0 failover from=eth0 to=eth1",
                           "100.200000 xs1/sr1 io_completes",
                       }));
}

TEST_F(StoragePool, AFailedPathThatDropsAgainBeforeItsCheckIsNotReinstated) {
  build();
  at(at_ms(100'000), [&] { storage.fail_portal(p1); });
  at(at_ms(201'000), [&] { storage.restore_portal(p1); });
  at(at_ms(202'000), [&] { storage.fail_portal(p1); });
  at(at_ms(300'000), [&] { storage.restore_portal(p1); });  // on the checker grid: reinstated at once
  queue.run_until(at_ms(299'000));
  EXPECT_EQ(storage.paths_up(sr, 0), 1u);
  queue.run_until(at_ms(300'001));
  EXPECT_EQ(storage.paths_up(sr, 0), 2u);
  const std::vector<std::string> tail(log.lines.begin() + 9, log.lines.end());
  EXPECT_EQ(tail, (std::vector<std::string>{
                      "201.000000 sr1/p1 portal_up",
                      "201.000000 xs1/sr1/p1 path_up via=bond0",
                      "201.000000 xs2/sr1/p1 path_up via=bond0",
                      "202.000000 sr1/p1 portal_down",
                      "202.000000 xs1/sr1/p1 path_down via=bond0",
                      "202.000000 xs2/sr1/p1 path_down via=bond0",
                      "300.000000 sr1/p1 portal_up",
                      "300.000000 xs1/sr1/p1 path_up via=bond0",
                      "300.000000 xs2/sr1/p1 path_up via=bond0",
                      "300.000000 xs1/sr1/p1 path_reinstated via=bond0",
                      "300.000000 xs2/sr1/p1 path_reinstated via=bond0",
                  }));
}

TEST_F(StoragePool, FibreChannelFailsAPathFastIoFailTmoAfterTheLoss) {
  build(StorageKind::fc);
  at(at_ms(100'000), [&] { storage.fail_array(sr); });
  queue.run_until(at_ms(104'999));
  EXPECT_EQ(io1(), IoOutcome::hangs);
  queue.run_until(at_ms(155'000));  // 100 + 5 (fast_io_fail_tmo) + 10 × 5
  EXPECT_EQ(io1(), IoOutcome::hangs);
  queue.run_until(at_ms(155'001));
  EXPECT_EQ(io1(), IoOutcome::fails);
  ASSERT_EQ(log.lines.size(), 13u);
  EXPECT_EQ(log.lines[1], "100.000000 xs1/sr1/p1 path_down via=bond0") << "the HBA sees the port go at once";
  EXPECT_EQ(log.lines[3], "100.000000 xs1/sr1 io_hangs");
  EXPECT_EQ(log.lines[7], "105.000000 xs1/sr1/p1 path_failed via=bond0");
  EXPECT_EQ(log.lines[11], "155.000000 xs1/sr1 io_fails");
}

TEST_F(StoragePool, NfsHangsWhileNoPathIsUpAndCompletesWhenOneReturns) {
  build(StorageKind::nfs);
  at(at_ms(100'000), [&] { storage.fail_array(sr); });
  at(at_ms(400'000), [&] { storage.restore_array(sr); });
  queue.run_until(at_ms(399'999));
  EXPECT_EQ(io1(), IoOutcome::hangs);
  EXPECT_EQ(storage.paths_up(sr, 0), 0u);
  queue.run_until(at_ms(400'001));
  EXPECT_EQ(io1(), IoOutcome::completes);
  EXPECT_EQ(storage.paths_up(sr, 0), 2u);
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "100.000000 sr1 array_down",
                           "100.000000 xs1/sr1 io_hangs",
                           "100.000000 xs2/sr1 io_hangs",
                           "400.000000 sr1 array_up",
                           "400.000000 xs1/sr1 io_completes",
                           "400.000000 xs2/sr1 io_completes",
                       }));
  EXPECT_TRUE(queue.empty());
}

TEST_F(StoragePool, NfsRidesThroughOnePortalsLoss) {
  build(StorageKind::nfs);
  at(at_ms(100'000), [&] { storage.fail_portal(p1); });
  queue.run_until(at_ms(400'000));
  EXPECT_EQ(io1(), IoOutcome::completes);
  EXPECT_EQ(storage.paths_up(sr, 0), 1u);
  EXPECT_EQ(log.lines, (std::vector<std::string>{"100.000000 sr1/p1 portal_down"}));
}

TEST_F(StoragePool, ListenersHearOfEveryOutcomeChange) {
  build();
  at(at_ms(100'000), [&] { storage.fail_array(sr); });
  queue.run_until(at_ms(100'001));
  EXPECT_EQ(changes, 1) << "both hosts' outcomes changed in one operation: one notification";
  queue.run_until(at_ms(175'001));
  EXPECT_EQ(changes, 3) << "then one per host when its queue budget is spent";
}

TEST(Storage, ALocalSrNeedsNoNetworkAndFailsWithItsDisk) {
  EventQueue queue;
  EventBus bus;
  Lines log;
  bus.subscribe(log);
  Network net(queue, bus);
  Storage storage(queue, bus, net);
  const SwitchIndex sw = net.add_switch("sw1");
  const NicIndex eth0 = net.add_nic("xs1", "eth0", sw);
  const ArrayIndex disk = storage.add_array("local-xs1", StorageKind::local);
  storage.attach(disk, 0, "xs1", {});
  net.on_change([&] { storage.network_changed(); });
  EXPECT_THROW(storage.add_portal(disk, "p1", sw), std::logic_error);
  net.unplug(eth0);
  EXPECT_EQ(storage.io(disk, 0), IoOutcome::completes);
  EXPECT_EQ(storage.paths_up(disk, 0), 0u);
  storage.fail_array(disk);
  EXPECT_EQ(storage.io(disk, 0), IoOutcome::fails);
  storage.restore_array(disk);
  EXPECT_EQ(storage.io(disk, 0), IoOutcome::completes);
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "0.000000 xs1/eth0 link_down cause=unplug",
                           "0.000000 local-xs1 array_down",
                           "0.000000 xs1/local-xs1 io_fails",
                           "0.000000 local-xs1 array_up",
                           "0.000000 xs1/local-xs1 io_completes",
                       }));
  EXPECT_THROW(static_cast<void>(storage.io(disk, 1)), std::logic_error) << "xs2 is not attached";
}

TEST(Storage, AttachingWithNoReachablePathStartsWithTheQueueSpent) {
  EventQueue queue;
  EventBus bus;
  Network net(queue, bus);
  Storage storage(queue, bus, net);
  const SwitchIndex sw1 = net.add_switch("sw1");
  const SwitchIndex sw2 = net.add_switch("sw2");  // not linked to sw1
  const NicIndex eth0 = net.add_nic("xs1", "eth0", sw1);
  const ArrayIndex fails = storage.add_array("sr1", StorageKind::iscsi);
  storage.add_portal(fails, "p1", sw2);
  MultipathTiming forever;
  forever.no_path_retry = std::nullopt;
  const ArrayIndex hangs = storage.add_array("sr2", StorageKind::iscsi, forever);
  storage.add_portal(hangs, "p1", sw2);
  storage.attach(fails, 0, "xs1", {Interface::of_nic(eth0)});
  storage.attach(hangs, 0, "xs1", {Interface::of_nic(eth0)});
  EXPECT_EQ(storage.io(fails, 0), IoOutcome::fails);
  EXPECT_EQ(storage.io(hangs, 0), IoOutcome::hangs);
  EXPECT_THROW(storage.attach(fails, 0, "xs1", {}), std::logic_error);
  EXPECT_EQ(to_token(IoOutcome::hangs), "hangs");
  EXPECT_EQ(to_token(StorageKind::fc), "fc");
}

// FC: the path in use stalls I/O fast_io_fail_tmo (5 s), not 25 s.
TEST_F(StoragePool, FibreChannelStallsIoOnThePathInUseForFastIoFailTmo) {
  build(StorageKind::fc);
  at(at_ms(100'000), [&] { storage.fail_portal(p1); });
  queue.run_until(at_ms(104'999));
  EXPECT_EQ(io1(), IoOutcome::hangs);
  queue.run_until(at_ms(105'001));
  EXPECT_EQ(io1(), IoOutcome::completes);
}

// Lines whose source is one host's.
std::vector<std::string> of_host(const std::vector<std::string>& lines, const std::string& host) {
  std::vector<std::string> out;
  for (const std::string& line : lines) {
    if (line.find(" " + host + "/") != std::string::npos) out.push_back(line);
  }
  return out;
}

// A host without power has no sessions: its paths are not timed or recorded while it is down; at power on it
// logs in afresh. Here the array is still down then, so its map starts with the queue spent: I/O fails.
TEST_F(StoragePool, AHostWithoutPowerHasNoPathsUntilItLogsInAgain) {
  build();
  at(at_ms(100'000), [&] { net.set_host_powered("xs1", false); });
  at(at_ms(150'000), [&] { storage.fail_array(sr); });
  at(at_ms(300'000), [&] { net.set_host_powered("xs1", true); });
  at(at_ms(400'000), [&] { storage.restore_array(sr); });
  queue.run_until(at_ms(300'001));
  EXPECT_EQ(io1(), IoOutcome::fails);
  queue.run_until(at_ms(500'000));
  EXPECT_EQ(io1(), IoOutcome::completes);
  EXPECT_EQ(storage.paths_up(sr, 0), 2u);
  std::vector<std::string> xs1;
  for (const std::string& line : of_host(log.lines, "xs1")) {
    if (line.find("/sr1") != std::string::npos) xs1.push_back(line);
  }
  EXPECT_EQ(xs1, (std::vector<std::string>{
                     "300.000000 xs1/sr1 io_fails",
                     "400.000000 xs1/sr1/p1 path_up via=bond0",
                     "400.000000 xs1/sr1/p2 path_up via=bond0",
                     "400.000000 xs1/sr1/p1 path_reinstated via=bond0",
                     "400.000000 xs1/sr1/p2 path_reinstated via=bond0",
                     "400.000000 xs1/sr1 io_completes",
                 }));
}

}  // namespace
}  // namespace poolsim::models
