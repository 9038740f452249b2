// Whether each running VM serves its users (docs/model.md "Serving"): vm_service.hpp.
#include "vm_service.hpp"

#include "pool_context.hpp"

namespace poolsim::models {

void VmService::init(std::size_t vms) { impaired_.assign(vms, std::nullopt); }

bool VmService::interface_up(const Interface& itf) const {
  return itf.kind == Interface::Kind::nic ? ctx.network.carrier(itf.index) : ctx.network.bond_up(itf.index);
}

std::optional<VmService::Cause> VmService::cause(VmIndex v, HostIndex h) {
  const VmConfig& vm = ctx.vm_config(v);
  for (const ArrayIndex array : vm.disks) {
    if (array >= io_.size()) {
      io_.resize(array + 1);
      io_read_.resize(array + 1, false);
    }
    if (!io_read_[array]) {
      ctx.storage.io_by_host(array, io_[array]);
      io_read_[array] = true;
    }
    const std::vector<std::optional<IoOutcome>>& by_host = io_[array];
    if (h >= by_host.size() || by_host[h] != IoOutcome::completes) return Cause{true, array};
  }
  const HostConfig& host = ctx.config.hosts[h];
  for (const std::uint32_t network : vm.networks) {
    if (!ctx.config.networks[network].external) continue;
    const std::optional<Interface>& pif = network < host.pifs.size() ? host.pifs[network] : std::nullopt;
    if (!pif || !interface_up(*pif)) return Cause{false, network};
  }
  return std::nullopt;
}

void VmService::update(VmIndex v, HostIndex h) {
  const std::optional<Cause> now = cause(v, h);
  std::optional<Cause>& was = impaired_[v];
  if (now == was) return;
  was = now;
  if (!now) {
    ctx.publish(ctx.vm_source(v), Rec::vm_serving, {{"host", ctx.name(h)}});
  } else if (now->storage) {
    ctx.publish(ctx.vm_source(v), Rec::vm_impaired,
                {{"host", ctx.name(h)}, {"reason", "storage"}, {"sr", ctx.storage.name(now->which)}});
  } else {
    ctx.publish(ctx.vm_source(v), Rec::vm_impaired,
                {{"host", ctx.name(h)}, {"network", ctx.config.networks[now->which].name}, {"reason", "network"}});
  }
}

void VmService::refresh_all() {
  std::fill(io_read_.begin(), io_read_.end(), false);
  for (VmIndex v = 0; v < ctx.vm_count(); ++v) {
    const VmInstance& instance = ctx.machines.instance(v);
    if (instance.host && instance.booted) update(v, *instance.host);
  }
}

void VmService::refresh(VmIndex v) {
  std::fill(io_read_.begin(), io_read_.end(), false);
  const VmInstance& instance = ctx.machines.instance(v);
  if (instance.host && instance.booted) update(v, *instance.host);
}

}  // namespace poolsim::models
