// Writes a sample HDF5 timeline for tests/recording/read_h5.py: the tutorial cable pull, shortened.
//
//   write_sample_h5 OUT.h5
#include <exception>
#include <iostream>

#include "poolsim/recording/hdf5_timeline.hpp"

int main(int argc, char** argv) {
  using namespace poolsim;
  if (argc != 2) {
    std::cerr << "usage: write_sample_h5 OUT.h5\n";
    return 2;
  }
  const auto at = [](std::int64_t s) { return SimTime::zero() + Duration::seconds(s); };
  try {
    EventBus bus;
    using enum StateSubject;
    Hdf5Timeline timeline(argv[1], {"tutorial-cable-pull", "name: tutorial-cable-pull\nseed: 1\n", 1, at(1200)},
                          pool_state_rules(),
                          {{host, "xenserver-1", "up"}, {host, "xenserver-2", "up"}, {vm, "dns", "running"}});
    bus.subscribe(timeline);
    bus.publish(at(300), "xenserver-1/eth0", "link_down", {{"cause", "unplug"}});
    bus.publish(at(360), "xenserver-1/ha", "self_fence", {{"reason", "no_statefile"}});
    bus.publish(at(360), "vm/dns", "vm_died", {{"host", "xenserver-1"}});
    bus.publish(at(360), "xenserver-1", "host_booting");
    bus.publish(at(420), "pool", "master_changed", {{"from", "xenserver-1"}, {"to", "xenserver-2"}});
    bus.publish(at(420), "pool", "alert", {{"host", "xenserver-2"}, {"name", "POOL_MASTER_TRANSITION"}});
    bus.publish(at(421), "vm/dns", "vm_restart", {{"order", "0"}, {"to", "xenserver-2"}});
    bus.publish(at(450), "vm/dns", "vm_running", {{"host", "xenserver-2"}});
    bus.publish(at(540), "xenserver-1", "host_up");
    bus.finish(at(1200));
  } catch (const std::exception& e) {
    std::cerr << "write_sample_h5: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
