#include "poolsim/models/network.hpp"

#include <gtest/gtest.h>

#include "unit/models/timeline_lines.hpp"

#include <string>
#include <vector>

namespace poolsim::models {
namespace {

SimTime at_ms(std::int64_t ms) { return SimTime::zero() + Duration::milliseconds(ms); }

// Two hosts, each with eth0 on sw1 and eth1 on sw2, bonded; sw1 and sw2 linked (a stack).
struct TwoHosts : ::testing::Test {
  EventQueue queue;
  EventBus bus;
  Lines log;
  Network net{queue, bus};
  SwitchIndex sw1 = net.add_switch("sw1");
  SwitchIndex sw2 = net.add_switch("sw2");
  NicIndex a0 = net.add_nic("xs1", "eth0", sw1);
  NicIndex a1 = net.add_nic("xs1", "eth1", sw2);
  NicIndex b0 = net.add_nic("xs2", "eth0", sw1);
  NicIndex b1 = net.add_nic("xs2", "eth1", sw2);
  BondIndex a = 0, b = 0;
  int changes = 0;

  void build(BondMode mode, bool stacked = true, CarrierDetection detection = CarrierDetection::event) {
    if (stacked) net.link_switches(sw1, sw2);
    BondTiming timing;
    timing.detection = detection;
    a = net.add_bond("xs1", "bond0", {a0, a1}, mode, timing);
    b = net.add_bond("xs2", "bond0", {b0, b1}, mode, timing);
    bus.subscribe(log);
    net.on_change([this] { ++changes; });
  }
  bool reach() const { return net.can_reach(Interface::of_bond(a), Interface::of_bond(b)); }
  // Applies `fault` at `t` as a scripted fault would.
  template <typename F>
  void at(SimTime t, F fault) {
    queue.schedule_at(t, Phase::fault, fault);
  }
};

TEST_F(TwoHosts, ActiveMemberPullFailsOverAfterDowndelay) {
  build(BondMode::active_backup);
  at(at_ms(1'050), [&] { net.unplug(a0); });  // OVS: seen at once, disabled 200 ms later
  queue.run_until(at_ms(1'249));
  EXPECT_FALSE(reach()) << "frames through the pulled member are lost until the bond fails over";
  queue.run_until(at_ms(1'251));
  EXPECT_TRUE(reach());
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "1.050000 xs1/eth0 link_down cause=unplug",
                           "1.250000 xs1/bond0 member_down member=eth0",
                           "1.250000 xs1/bond0 failover from=eth0 to=eth1",
                       }));
}

TEST_F(TwoHosts, PolledBondFailsOverAfterPollAndDowndelay) {
  build(BondMode::active_backup, /*stacked=*/true, CarrierDetection::poll);
  EXPECT_TRUE(reach());
  at(at_ms(1'050), [&] { net.unplug(a0); });  // between polls: seen at the 1.1 s poll, disabled 200 ms later
  queue.run_until(at_ms(1'299));
  EXPECT_FALSE(reach()) << "frames through the pulled member are lost until the bond fails over";
  EXPECT_TRUE(net.bond_up(a));
  queue.run_until(at_ms(2'000));
  EXPECT_TRUE(reach());
  EXPECT_EQ(net.bond_current_member(a), a1);
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "1.050000 xs1/eth0 link_down cause=unplug",
                           "1.300000 xs1/bond0 member_down member=eth0",
                           "1.300000 xs1/bond0 failover from=eth0 to=eth1",
                       }));
  EXPECT_GE(changes, 2);
}

TEST_F(TwoHosts, BackupMemberPullChangesNothingVisible) {
  build(BondMode::active_backup);
  at(at_ms(500), [&] { net.unplug(a1); });
  queue.run_until(at_ms(5'000));
  EXPECT_TRUE(reach());
  EXPECT_EQ(net.bond_current_member(a), a0);
  EXPECT_FALSE(net.member_enabled(a1));
  EXPECT_EQ(log.lines, (std::vector<std::string>{"0.500000 xs1/eth1 link_down cause=unplug",
                                                 "0.700000 xs1/bond0 member_down member=eth1"}));
}

TEST_F(TwoHosts, ReplugTakesUpdelayAndDoesNotFailBack) {
  build(BondMode::active_backup);
  at(at_ms(1'000), [&] { net.unplug(a0); });
  at(at_ms(10'000), [&] { net.replug(a0); });
  queue.run_until(at_ms(41'000));
  EXPECT_FALSE(net.member_enabled(a0)) << "updelay is 31 s from the replug at 10.0 s";
  queue.run_until(at_ms(41'001));
  EXPECT_TRUE(net.member_enabled(a0));
  EXPECT_EQ(net.bond_current_member(a), a1) << "no fail-back to eth0";
  EXPECT_EQ(log.lines.back(), "41.000000 xs1/bond0 member_up member=eth0");
}

TEST_F(TwoHosts, ABlipShorterThanThePollAndDowndelayIsInvisibleToTheBond) {
  build(BondMode::active_backup, /*stacked=*/true, CarrierDetection::poll);
  at(at_ms(1'010), [&] { net.unplug(a0); });
  at(at_ms(1'150), [&] { net.replug(a0); });  // seen lost at 1.1 s, back before the 1.3 s disable
  queue.run_until(at_ms(60'000));
  EXPECT_TRUE(net.member_enabled(a0));
  EXPECT_EQ(net.bond_current_member(a), a0);
  EXPECT_EQ(log.lines, (std::vector<std::string>{"1.010000 xs1/eth0 link_down cause=unplug",
                                                 "1.150000 xs1/eth0 link_up cause=replug"}));
}

TEST_F(TwoHosts, BothCablesPulledTakeTheBondDownAndTheFirstBackSkipsUpdelay) {
  build(BondMode::active_backup);
  at(at_ms(300'000), [&] {
    net.unplug(a0);
    net.unplug(a1);
  });
  at(at_ms(900'000), [&] { net.replug(a1); });
  queue.run_until(at_ms(900'000));
  EXPECT_FALSE(net.bond_up(a));
  EXPECT_FALSE(reach());
  queue.run_until(at_ms(901'000));
  EXPECT_TRUE(net.bond_up(a)) << "with no enabled member, updelay is ignored";
  EXPECT_TRUE(reach());
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "300.000000 xs1/eth0 link_down cause=unplug",
                           "300.000000 xs1/eth1 link_down cause=unplug",
                           "300.200000 xs1/bond0 member_down member=eth0",
                           "300.200000 xs1/bond0 failover from=eth0 to=eth1",
                           "300.200000 xs1/bond0 member_down member=eth1",
                           "300.200000 xs1/bond0 bond_down",
                           "900.000000 xs1/eth1 link_up cause=replug",
                           "900.000000 xs1/bond0 member_up member=eth1",
                           "900.000000 xs1/bond0 bond_up member=eth1",
                       }));
}

TEST_F(TwoHosts, DualHomedHostsSurviveASwitchFailure) {
  build(BondMode::active_backup);
  at(at_ms(2'000), [&] { net.fail_switch(sw1); });
  queue.run_until(at_ms(2'100));
  EXPECT_FALSE(reach()) << "both active members were on sw1: frames lost until failover";
  queue.run_until(at_ms(3'000));
  EXPECT_TRUE(reach());
  EXPECT_EQ(net.bond_current_member(a), a1);
  EXPECT_EQ(net.bond_current_member(b), b1);
  at(at_ms(10'000), [&] { net.restore_switch(sw1); });
  queue.run_until(at_ms(50'000));
  EXPECT_TRUE(net.member_enabled(a0));
  EXPECT_EQ(net.bond_current_member(a), a1);
  EXPECT_TRUE(reach());
}

TEST_F(TwoHosts, APortalIsReachedThroughTheSwitchFabric) {
  build(BondMode::active_backup, /*stacked=*/false);
  EXPECT_TRUE(net.can_reach_switch(Interface::of_bond(a), sw1));
  EXPECT_FALSE(net.can_reach_switch(Interface::of_bond(a), sw2)) << "sw2 is not linked to sw1";
  at(at_ms(1'000), [&] { net.unplug(a0); });
  queue.run_until(at_ms(2'000));
  EXPECT_FALSE(net.can_reach_switch(Interface::of_bond(a), sw1));
  EXPECT_TRUE(net.can_reach_switch(Interface::of_bond(a), sw2));
}

TEST_F(TwoHosts, UnlinkedSwitchesSplitHostsWhoseActiveMembersDiffer) {
  build(BondMode::active_backup, /*stacked=*/false);
  at(at_ms(1'000), [&] { net.unplug(a0); });  // xs1 fails over to eth1 on sw2; xs2 stays on sw1
  queue.run_until(at_ms(5'000));
  EXPECT_EQ(net.bond_current_member(a), a1);
  EXPECT_FALSE(reach()) << "sw1 and sw2 are not linked";
  EXPECT_FALSE(net.switches_connected(sw1, sw2));
}

TEST_F(TwoHosts, SwitchLinksAreTransitiveThroughUpSwitchesOnly) {
  build(BondMode::active_backup, /*stacked=*/false);
  const SwitchIndex core = net.add_switch("core");
  net.link_switches(sw1, core);
  net.link_switches(core, sw2);
  EXPECT_TRUE(net.switches_connected(sw1, sw2));
  at(at_ms(1'000), [&] { net.fail_switch(core); });
  queue.run_until(at_ms(1'001));
  EXPECT_FALSE(net.switches_connected(sw1, sw2));
  EXPECT_EQ(log.lines, (std::vector<std::string>{"1.000000 core switch_down"}));
}

TEST_F(TwoHosts, HashedModesMoveTheManagementMacWhenItsMemberIsDisabled) {
  build(BondMode::active_active);
  at(at_ms(0), [&] { net.unplug(a0); });  // disabled at 0.2 s
  queue.run_until(at_ms(1'000));
  EXPECT_EQ(net.bond_current_member(a), a1);
  EXPECT_EQ(log.lines[1], "0.200000 xs1/bond0 member_down member=eth0");
  EXPECT_TRUE(reach());
}

TEST(Network, AStandaloneNicReachesThroughItsOwnCarrier) {
  EventQueue queue;
  EventBus bus;
  Network net(queue, bus);
  const SwitchIndex sw = net.add_switch("sw");
  const NicIndex x = net.add_nic("xs1", "eth0", sw);
  const NicIndex y = net.add_nic("xs2", "eth0", sw);
  EXPECT_TRUE(net.can_reach(Interface::of_nic(x), Interface::of_nic(y)));
  net.unplug(y);
  EXPECT_FALSE(net.can_reach(Interface::of_nic(x), Interface::of_nic(y)));
  net.unplug(y);  // idempotent
  net.replug(y);
  EXPECT_TRUE(net.can_reach(Interface::of_nic(x), Interface::of_nic(y)));
  EXPECT_EQ(bus.published(), 2u) << "link_down and link_up, published with no observer subscribed";
}

}  // namespace
}  // namespace poolsim::models
