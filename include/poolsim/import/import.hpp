// `poolsim import`: a XAPI database -> a scenario whose pool is that pool (docs/importing.md).
//
// The mapping reads only what poolsim simulates: hosts (name, memory, overhead, CPUs), their PIFs (NICs, bonds,
// VLANs, the management interface), networks, SRs and which hosts attach them, the heartbeat SR, the VMs that
// are neither templates, snapshots nor control domains, and the pool's HA settings. What the database cannot
// know (switch cabling, boot times, storage array ports) is filled with assumptions, each stated in
// ImportResult::assumptions; names that are not poolsim names are rewritten deterministically (renames). No
// address, password or other configuration value of the database is copied: only names, sizes, counts, modes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/import/xapi_db.hpp"
#include "poolsim/import/xe_text.hpp"
#include "poolsim/scenario/diagnostic.hpp"
#include "poolsim/scenario/spec.hpp"

namespace poolsim::import {

struct ImportResult {
  std::optional<scenario::ScenarioSpec> spec;  // set when there is no error
  std::vector<std::string> assumptions;        // what was assumed, one sentence each, saying what to edit
  std::vector<std::string> renames;            // `kind "label" -> name`
  std::vector<scenario::Diagnostic> diagnostics;  // errors (then no spec) and warnings
  std::string yaml;                            // the scenario file, with assumptions and renames as comments
};

// Maps a database read from `display_name` (diagnostics name it so) to a scenario. `source_label` goes into the
// scenario's description (the file's base name, say).
ImportResult import_database(const Database& db, const std::string& display_name, const std::string& source_label);

// read_database then import_database; XML and layout errors become diagnostics too.
ImportResult import_xml(std::string_view xml_text, const std::string& display_name, const std::string& source_label);

// read_xe_lists then import_database: the pool from `xe <class>-list params=all` text (xe_text.hpp). `where`
// names the input as a whole (a directory) and `strict` is read_xe_lists's; the reader's warnings come first.
ImportResult import_xe(const std::vector<XeFile>& files, const std::string& where, bool strict, const std::string& source_label);

// A poolsim name for a xapi label: each run of characters other than letters, digits, '-', '_' and '.' becomes
// one '-', leading and trailing '-' are dropped, at most 60 characters are kept; empty gives `fallback`.
std::string sanitize_name(std::string_view label, std::string_view fallback);

// HA timeout as xapi resolves it (ocaml/xapi/xapi_ha.ml Timeouts.get_base_t): pool ha_configuration "timeout",
// else pool other_config "default_ha_timeout", else Xapi_globs.ha_default_timeout_base (60 s). Returns seconds
// and which source gave it; a value that is not a whole number is an error (xapi's int_of_string would fail).
struct HaTimeout {
  long long seconds = 60;
  std::string source;  // "ha_configuration:timeout", "other_config:default_ha_timeout" or "default"
};
std::optional<HaTimeout> resolve_ha_timeout(const std::vector<std::pair<std::string, std::string>>& ha_configuration,
                                            const std::vector<std::pair<std::string, std::string>>& other_config,
                                            std::string& error);

}  // namespace poolsim::import
