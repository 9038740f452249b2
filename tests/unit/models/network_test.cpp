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

// Lines of one host (source prefix), for tests where both hosts do the same.
std::vector<std::string> of_host(const std::vector<std::string>& lines, const std::string& host) {
  std::vector<std::string> out;
  for (const std::string& line : lines) {
    if (line.find(" " + host + "/") != std::string::npos) out.push_back(line);
  }
  return out;
}

// The TwoHosts pool with LACP bonds (lacp_tcp) on switches whose ports negotiate LACP.
struct LacpPool : ::testing::Test {
  EventQueue queue;
  EventBus bus;
  Lines log;
  Network net{queue, bus};
  SwitchIndex sw1 = net.add_switch("sw1", /*lacp=*/true);
  SwitchIndex sw2 = net.add_switch("sw2", /*lacp=*/true);
  NicIndex a0 = net.add_nic("xs1", "eth0", sw1);
  NicIndex a1 = net.add_nic("xs1", "eth1", sw2);
  NicIndex b0 = net.add_nic("xs2", "eth0", sw1);
  NicIndex b1 = net.add_nic("xs2", "eth1", sw2);
  BondIndex a = 0, b = 0;

  void build(LacpRate rate = LacpRate::slow) {
    net.link_switches(sw1, sw2);
    BondTiming timing;
    timing.lacp.rate = rate;
    a = net.add_bond("xs1", "bond0", {a0, a1}, BondMode::lacp_tcp, timing);
    b = net.add_bond("xs2", "bond0", {b0, b1}, BondMode::lacp_tcp, timing);
    bus.subscribe(log);
  }
  bool reach() const { return net.can_reach(Interface::of_bond(a), Interface::of_bond(b)); }
  template <typename F>
  void at(SimTime t, F fault) {
    queue.schedule_at(t, Phase::fault, fault);
  }
};

TEST_F(LacpPool, TheRunStartsNegotiated) {
  build();
  EXPECT_EQ(net.lacp_status(a0), LacpStatus::negotiated);
  EXPECT_EQ(net.lacp_status(b1), LacpStatus::negotiated);
  EXPECT_TRUE(net.member_enabled(a1));
  EXPECT_TRUE(reach());
}

// A replugged member is used only once LACP has aggregated it: 2 s of negotiation, then the 31 s updelay.
TEST_F(LacpPool, AReplugWaitsForNegotiationThenUpdelay) {
  build();
  at(at_ms(10'000), [&] { net.unplug(a1); });
  at(at_ms(20'000), [&] { net.replug(a1); });
  queue.run_until(at_ms(52'999));
  EXPECT_FALSE(net.member_enabled(a1));
  queue.run_until(at_ms(53'001));
  EXPECT_TRUE(net.member_enabled(a1));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "10.000000 xs1/eth1 link_down cause=unplug",
                           "10.200000 xs1/bond0 member_down member=eth1",
                           "20.000000 xs1/eth1 link_up cause=replug",
                           "22.000000 xs1/bond0 lacp_negotiated member=eth1",
                           "53.000000 xs1/bond0 member_up member=eth1",
                       }));
}

// With no member enabled the first negotiated member is taken at once (updelay skipped), not at carrier up.
TEST_F(LacpPool, ABondDownComesBackWhenItsFirstMemberIsNegotiated) {
  build();
  at(at_ms(10'000), [&] {
    net.unplug(a0);
    net.unplug(a1);
  });
  at(at_ms(20'000), [&] {
    net.replug(a0);
    net.replug(a1);
  });
  queue.run_until(at_ms(21'999));
  EXPECT_FALSE(reach()) << "carrier is back but LACP has not aggregated a member yet";
  queue.run_until(at_ms(22'001));
  EXPECT_TRUE(reach());
  queue.run_until(at_ms(60'000));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "10.000000 xs1/eth0 link_down cause=unplug",
                           "10.000000 xs1/eth1 link_down cause=unplug",
                           "10.200000 xs1/bond0 member_down member=eth0",
                           "10.200000 xs1/bond0 failover from=eth0 to=eth1",
                           "10.200000 xs1/bond0 member_down member=eth1",
                           "10.200000 xs1/bond0 bond_down",
                           "20.000000 xs1/eth0 link_up cause=replug",
                           "20.000000 xs1/eth1 link_up cause=replug",
                           "22.000000 xs1/bond0 lacp_negotiated member=eth0",
                           "22.000000 xs1/bond0 lacp_negotiated member=eth1",
                           "22.000000 xs1/bond0 member_up member=eth0",
                           "22.000000 xs1/bond0 bond_up member=eth0",
                           "53.000000 xs1/bond0 member_up member=eth1",
                       }));
}

// sw1 stops sending LACPDUs with its links up: its members expire 3 × 1 s later (lacp_rate fast) and are
// disabled after downdelay; frames move to eth1. Defaulted 3 s after expiry, they stay unused (eth1 still has
// a partner). When sw1 answers again they negotiate and come back after updelay.
TEST_F(LacpPool, ASilentPartnerExpiresItsMembersWithCarrierUp) {
  build(LacpRate::fast);
  at(at_ms(10'500), [&] { net.silence_lacp(sw1); });
  at(at_ms(30'000), [&] { net.resume_lacp(sw1); });
  queue.run_until(at_ms(13'699));
  EXPECT_TRUE(net.member_enabled(a0));
  EXPECT_TRUE(net.carrier(a0));
  queue.run_until(at_ms(13'701));
  EXPECT_FALSE(net.member_enabled(a0));
  EXPECT_EQ(net.bond_current_member(a), a1);
  EXPECT_TRUE(reach()) << "eth1 carries the frames";
  queue.run_until(at_ms(29'000));
  EXPECT_EQ(net.lacp_status(a0), LacpStatus::defaulted);
  EXPECT_FALSE(net.member_enabled(a0)) << "fallback is for a bond with no partner at all";
  queue.run_until(at_ms(70'000));
  EXPECT_TRUE(net.member_enabled(a0));
  EXPECT_EQ(of_host(log.lines, "xs1"), (std::vector<std::string>{
                                           "13.500000 xs1/bond0 lacp_expired member=eth0",
                                           "13.700000 xs1/bond0 member_down member=eth0",
                                           "13.700000 xs1/bond0 failover from=eth0 to=eth1",
                                           "16.500000 xs1/bond0 lacp_defaulted member=eth0",
                                           "32.000000 xs1/bond0 lacp_negotiated member=eth0",
                                           "63.000000 xs1/bond0 member_up member=eth0",
                                       }));
  EXPECT_EQ(log.lines.front(), "10.500000 sw1 lacp_silent");
  EXPECT_EQ(of_host(log.lines, "xs2").size(), 6u);
}

// Both partners silent, lacp_rate slow: both members expire 3 × 30 s after the last PDU and the bond goes down;
// 3 s later they are defaulted and, with xapi's lacp-fallback-ab, the bond runs active-backup over them.
TEST_F(LacpPool, BothPartnersSilentFallBackToActiveBackup) {
  build(LacpRate::slow);
  at(at_ms(100'000), [&] {
    net.silence_lacp(sw1);
    net.silence_lacp(sw2);
  });
  queue.run_until(at_ms(190'199));
  EXPECT_TRUE(reach());
  queue.run_until(at_ms(190'201));
  EXPECT_FALSE(reach());
  queue.run_until(at_ms(193'001));
  EXPECT_TRUE(reach());
  queue.run_until(at_ms(300'000));
  EXPECT_EQ(of_host(log.lines, "xs1"), (std::vector<std::string>{
                                           "190.000000 xs1/bond0 lacp_expired member=eth0",
                                           "190.000000 xs1/bond0 lacp_expired member=eth1",
                                           "190.200000 xs1/bond0 member_down member=eth0",
                                           "190.200000 xs1/bond0 failover from=eth0 to=eth1",
                                           "190.200000 xs1/bond0 member_down member=eth1",
                                           "190.200000 xs1/bond0 bond_down",
                                           "193.000000 xs1/bond0 lacp_defaulted member=eth0",
                                           "193.000000 xs1/bond0 lacp_defaulted member=eth1",
                                           "193.000000 xs1/bond0 member_up member=eth0",
                                           "193.000000 xs1/bond0 bond_up member=eth0",
                                           "224.000000 xs1/bond0 member_up member=eth1",
                                       }));
}

// PDUs again before the member expired: nothing changes.
TEST_F(LacpPool, APartnerBackBeforeTheTimeoutChangesNothing) {
  build(LacpRate::fast);
  at(at_ms(10'000), [&] { net.silence_lacp(sw1); });
  at(at_ms(12'000), [&] { net.resume_lacp(sw1); });
  queue.run_until(at_ms(60'000));
  EXPECT_EQ(log.lines, (std::vector<std::string>{"10.000000 sw1 lacp_silent", "12.000000 sw1 lacp_resumed"}));
  EXPECT_EQ(net.lacp_status(a0), LacpStatus::negotiated);
}

// The partner back while a member was still negotiating (its sync not yet shown): it negotiates afresh from
// the resume, 2 s, and is not expired by the silence's timeout.
TEST_F(LacpPool, APartnerBackDuringNegotiationNegotiatesAfresh) {
  build(LacpRate::fast);
  at(at_ms(10'000), [&] { net.unplug(a0); });
  at(at_ms(20'000), [&] { net.replug(a0); });           // negotiated at 22 s unless interrupted
  at(at_ms(21'000), [&] { net.silence_lacp(sw1); });    // would expire at 24 s
  at(at_ms(23'500), [&] { net.resume_lacp(sw1); });     // negotiated at 25.5 s
  queue.run_until(at_ms(25'499));
  EXPECT_EQ(net.lacp_status(a0), LacpStatus::negotiating);
  queue.run_until(at_ms(60'000));
  EXPECT_EQ(net.lacp_status(a0), LacpStatus::negotiated);
  EXPECT_EQ(of_host(log.lines, "xs1"), (std::vector<std::string>{
                                           "10.000000 xs1/eth0 link_down cause=unplug",
                                           "10.200000 xs1/bond0 member_down member=eth0",
                                           "10.200000 xs1/bond0 failover from=eth0 to=eth1",
                                           "20.000000 xs1/eth0 link_up cause=replug",
                                           "25.500000 xs1/bond0 lacp_negotiated member=eth0",
                                           "56.500000 xs1/bond0 member_up member=eth0",
                                       }));
}

// An LACP bond on switches without LACP: no partner ever, every member defaulted, and with lacp-fallback-ab the
// bond runs active-backup. A replugged member is defaulted (usable) 3 s after carrier, then waits updelay.
TEST_F(TwoHosts, AnLacpBondOnASwitchWithoutLacpFallsBackToActiveBackup) {
  build(BondMode::lacp_tcp);
  EXPECT_EQ(net.lacp_status(a0), LacpStatus::defaulted);
  EXPECT_TRUE(reach());
  at(at_ms(10'000), [&] { net.unplug(a0); });
  at(at_ms(20'000), [&] { net.replug(a0); });
  queue.run_until(at_ms(60'000));
  EXPECT_EQ(of_host(log.lines, "xs1"), (std::vector<std::string>{
                                           "10.000000 xs1/eth0 link_down cause=unplug",
                                           "10.200000 xs1/bond0 member_down member=eth0",
                                           "10.200000 xs1/bond0 failover from=eth0 to=eth1",
                                           "20.000000 xs1/eth0 link_up cause=replug",
                                           "23.000000 xs1/bond0 lacp_defaulted member=eth0",
                                           "54.000000 xs1/bond0 member_up member=eth0",
                                       }));
}

TEST(Network, WithoutFallbackAnLacpBondOnASwitchWithoutLacpNeverComesUp) {
  EventQueue queue;
  EventBus bus;
  Network net(queue, bus);
  const SwitchIndex sw = net.add_switch("sw");
  const NicIndex x0 = net.add_nic("xs1", "eth0", sw);
  const NicIndex x1 = net.add_nic("xs1", "eth1", sw);
  const NicIndex y = net.add_nic("xs2", "eth0", sw);
  BondTiming timing;
  timing.lacp.fallback_ab = false;
  const BondIndex bond = net.add_bond("xs1", "bond0", {x0, x1}, BondMode::lacp_mac, timing);
  EXPECT_FALSE(net.bond_up(bond));
  net.unplug(x0);
  net.replug(x0);
  queue.run_until(SimTime::zero() + Duration::minutes(5));
  EXPECT_FALSE(net.bond_up(bond));
  EXPECT_FALSE(net.can_reach(Interface::of_bond(bond), Interface::of_nic(y)));
}

// A host without power: its NICs lose carrier and its bond goes down at once (no downdelay); faults on it are
// silent. At power on the bond starts with every member that has carrier enabled.
TEST_F(TwoHosts, AHostWithoutPowerHasNoCarrierAndItsBondStartsAgainAtPowerOn) {
  build(BondMode::active_backup);
  at(at_ms(10'000), [&] { net.set_host_powered("xs1", false); });
  at(at_ms(20'000), [&] { net.unplug(a1); });
  at(at_ms(30'000), [&] { net.set_host_powered("xs1", true); });
  at(at_ms(40'000), [&] { net.replug(a1); });
  queue.run_until(at_ms(10'001));
  EXPECT_FALSE(net.host_powered("xs1"));
  EXPECT_FALSE(net.carrier(a0));
  EXPECT_FALSE(net.bond_up(a));
  EXPECT_FALSE(reach());
  EXPECT_GE(changes, 1);
  queue.run_until(at_ms(30'001));
  EXPECT_TRUE(reach());
  queue.run_until(at_ms(80'000));
  EXPECT_TRUE(net.member_enabled(a1));
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "10.000000 xs1/eth0 link_down cause=power_off",
                           "10.000000 xs1/eth1 link_down cause=power_off",
                           "10.000000 xs1/bond0 bond_down",
                           "30.000000 xs1/eth0 link_up cause=power_on",
                           "30.000000 xs1/bond0 bond_up member=eth0",
                           "40.000000 xs1/eth1 link_up cause=replug",
                           "71.000000 xs1/bond0 member_up member=eth1",
                       }));
}

// At power on LACP negotiates again: the bond is up when its first member is aggregated.
TEST_F(LacpPool, AtPowerOnLacpNegotiatesAgain) {
  build();
  at(at_ms(10'000), [&] { net.set_host_powered("xs1", false); });
  at(at_ms(30'000), [&] { net.set_host_powered("xs1", true); });
  queue.run_until(at_ms(31'999));
  EXPECT_FALSE(reach());
  queue.run_until(at_ms(80'000));
  EXPECT_TRUE(reach());
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "10.000000 xs1/eth0 link_down cause=power_off",
                           "10.000000 xs1/eth1 link_down cause=power_off",
                           "10.000000 xs1/bond0 bond_down",
                           "30.000000 xs1/eth0 link_up cause=power_on",
                           "30.000000 xs1/eth1 link_up cause=power_on",
                           "32.000000 xs1/bond0 lacp_negotiated member=eth0",
                           "32.000000 xs1/bond0 lacp_negotiated member=eth1",
                           "32.000000 xs1/bond0 member_up member=eth0",
                           "32.000000 xs1/bond0 bond_up member=eth0",
                           "63.000000 xs1/bond0 member_up member=eth1",
                       }));
}

}  // namespace
}  // namespace poolsim::models
