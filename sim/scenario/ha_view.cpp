#include "poolsim/scenario/ha_view.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "poolsim/models/records.hpp"

namespace poolsim::scenario {

HaView::HaView(std::vector<std::string> host_names, std::vector<std::string> vm_names, bool ha_enabled)
    : host_names_(std::move(host_names)), vm_names_(std::move(vm_names)) {
  hosts_.resize(host_names_.size());
  for (Host& h : hosts_) h.liveset.assign(host_names_.size(), false);
  user_halted_.assign(vm_names_.size(), false);
  operator_started_.assign(vm_names_.size(), false);
  if (ha_enabled) start_all();
}

std::size_t HaView::host_of(const std::string& name) const {
  return static_cast<std::size_t>(std::find(host_names_.begin(), host_names_.end(), name) - host_names_.begin());
}

void HaView::start_all() {
  ha_enabled_ = true;
  for (Host& h : hosts_) {
    h.daemon = true;
    h.joining = false;
    std::fill(h.liveset.begin(), h.liveset.end(), true);
  }
}

void HaView::set_live(std::size_t observer, const std::string& hosts, bool live) {
  std::size_t begin = 0;
  while (begin <= hosts.size()) {
    const std::size_t end = std::min(hosts.find(',', begin), hosts.size());
    const std::size_t peer = host_of(hosts.substr(begin, end - begin));
    if (peer < hosts_.size()) hosts_[observer].liveset[peer] = live;
    begin = end + 1;
  }
}

void HaView::on_record(const TimelineRecord& record) {
  using models::Rec;
  const models::RecordSpec* spec = models::find_record(record.event);
  if (!spec) return;
  const Rec event = spec->id;
  const std::string& source = record.source;
  auto detail = [&record](std::string_view key) -> std::string {
    for (const Detail& d : record.details) {
      if (d.key == key) return d.value;
    }
    return {};
  };
  if (source == "pool") {
    if (event == Rec::ha_enabled) start_all();
    if (event == Rec::ha_disabled) {
      ha_enabled_ = false;
      for (Host& h : hosts_) h.daemon = h.joining = false;
    }
    return;
  }
  if (source.starts_with("vm/")) {
    const auto vm = std::find(vm_names_.begin(), vm_names_.end(), source.substr(3));
    if (vm == vm_names_.end()) return;
    const auto v = static_cast<std::size_t>(vm - vm_names_.begin());
    if (event == Rec::vm_shutdown) user_halted_[v] = true;
    if (event == Rec::vm_start) {
      user_halted_[v] = false;
      operator_started_[v] = true;
    }
    return;
  }
  const bool ha = source.ends_with("/ha");
  const std::size_t h = host_of(ha ? source.substr(0, source.size() - 3) : source);
  if (h >= hosts_.size()) return;
  Host& host = hosts_[h];
  if (!ha) {
    if (event == Rec::host_crashed || event == Rec::host_rebooting) host.daemon = host.joining = false;
    return;
  }
  if (event == Rec::daemon_started) {
    host.daemon = true;
    host.joining = true;
    std::fill(host.liveset.begin(), host.liveset.end(), false);
    host.liveset[h] = true;
  } else if (event == Rec::joined) {
    host.joining = false;
    if (!detail("hosts").empty()) set_live(h, detail("hosts"), true);
  } else if (event == Rec::liveset_joined) {
    set_live(h, detail("hosts"), true);
  } else if (event == Rec::liveset_removed) {
    set_live(h, detail("hosts"), false);
  } else if (event == Rec::join_failed || event == Rec::self_fence) {
    host.daemon = host.joining = false;
  }
}

}  // namespace poolsim::scenario
