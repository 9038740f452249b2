// Writing a scenario back as YAML: a ScenarioSpec (loaded, or generated in code by the swarm) as a scenario file
// that `poolsim check` accepts and `poolsim run` runs, so that a generated case can be replayed and kept as a
// regression test.
//
// Every value is written explicitly (the loader has filled in the defaults), in the units the format reads back
// to the same value: durations by format_duration ("1m30s"), sizes in the largest binary unit that divides them
// ("16GiB", "1536MiB", size.hpp format_size). Keys that do not apply to an element are left out (multipath on nfs, lacp_rate on an
// active_backup bond...), and so is a multipath `path_grouping_policy` of `failover`, the default, so that the
// files of pools that do not set it read as before. Positions are not written. load_scenario_text(to_yaml(spec)) gives back `spec`
// (positions aside), which unit.scenario.Emit.* checks on every swarm case it generates.
#pragma once

#include <string>

#include "poolsim/scenario/spec.hpp"

namespace poolsim::scenario {

// The scenario as a YAML document; `comment` (may be empty) is written first, each line prefixed with "# ".
std::string to_yaml(const ScenarioSpec& spec, const std::string& comment = {});

// The text a run's files keep of its scenario (HDF5 `scenario_yaml`, a batch's journal hash): `file_text`, the
// file as written, when the spec is that file alone; the YAML of the whole spec, headed by where its pool came
// from and the changes made to it, when its pool is another file's (`pool: {from: F}`) or what-if changes apply.
std::string recorded_scenario(const ScenarioSpec& spec, const std::string& file_text, const std::string& file_name);

}  // namespace poolsim::scenario
