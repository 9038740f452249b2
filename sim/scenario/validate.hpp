// The checks that span elements: names defined once, references that resolve, and the domain rules XenServer
// itself enforces (docs/model.md "Pieces of a pool", "HA timers", "Operations"). They run on the spec the YAML
// reader produced, also when that reader reported problems: an empty name or a zero size means "already reported"
// and is skipped.
#pragma once

#include "poolsim/scenario/spec.hpp"
#include "report.hpp"

namespace poolsim::scenario::detail {

void validate(const ScenarioSpec& spec, Reporter& reporter);

// Reports two elements whose records would carry the same timeline `source` (a host 'pool', a nic 'web' of host
// 'vm' beside vm 'web', a host and a switch of one name): the text timeline and HDF5 could not tell them apart.
void check_sources(const ScenarioSpec& spec, Reporter& reporter);

}  // namespace poolsim::scenario::detail
