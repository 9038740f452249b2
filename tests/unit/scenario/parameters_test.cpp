#include "poolsim/scenario/parameters.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "poolsim/scenario/enums.hpp"
#include "poolsim/scenario/fault_verbs.hpp"

namespace poolsim::scenario {
namespace {

std::string read_docs() {
  std::ifstream in(std::string(POOLSIM_SOURCE_DIR) + "/docs/scenario-format.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Parameters, PathsAreUniqueAndDefaultsInRange) {
  std::set<std::string_view> paths;
  for (const ParameterRow& row : parameter_table) {
    EXPECT_TRUE(paths.insert(row.path).second) << row.path << " is in the table twice";
    EXPECT_LE(row.min, row.max) << row.path;
    if (row.default_value) {
      EXPECT_GE(*row.default_value, row.min) << row.path;
      EXPECT_LE(*row.default_value, row.max) << row.path;
      EXPECT_TRUE(row.default_note.empty()) << row.path;
    } else {
      EXPECT_FALSE(row.default_note.empty()) << row.path << " has neither a default nor a note";
    }
    EXPECT_FALSE(row.help.empty()) << row.path;
    EXPECT_FALSE(row.source.empty()) << row.path;
  }
}

// The defaults of docs/model.md, each from the real code (docs/research/real-behaviour.md where it corrected
// the design notes).
TEST(Parameters, DefaultsAreMODELs) {
  EXPECT_EQ(parameter("pool.ha.timeout").default_value, table_units::s(60));
  EXPECT_EQ(parameter("pool.hosts[].bonds[].miimon").default_value, table_units::ms(100));
  EXPECT_EQ(parameter("pool.hosts[].bonds[].downdelay").default_value, table_units::ms(200));
  EXPECT_EQ(parameter("pool.hosts[].bonds[].updelay").default_value, table_units::s(31));
  EXPECT_EQ(parameter("pool.storage[].multipath.polling_interval").default_value, table_units::s(5));
  EXPECT_EQ(parameter("pool.storage[].multipath.no_path_retry").default_value, 10u);
  EXPECT_EQ(parameter("pool.storage[].replacement_timeout").default_value, table_units::s(15));
  EXPECT_EQ(parameter("pool.ha.xapi.master_poll_interval").default_value, table_units::s(20));
  EXPECT_EQ(parameter("pool.hosts[].bonds[].rebalance_interval").default_value, table_units::s(1800));
  EXPECT_EQ(heartbeat_sr_min_size, 356ULL << 20);
}

TEST(Parameters, RowsFormatAsMarkdown) {
  EXPECT_EQ(format_parameter_row(parameter("pool.ha.timeout")),
            "| `pool.ha.timeout` | duration | 11s … 1h | 1m | the HA timeout T, whole seconds above 10s; every xhad "
            "timer is derived from it | xapi_globs.ml ha_default_timeout_base |");
  EXPECT_EQ(format_parameter_value(ParamKind::real, 1500), "1.5");
  EXPECT_EQ(format_parameter_value(ParamKind::real, 2000), "2");
  EXPECT_EQ(format_parameter_value(ParamKind::real, 125), "0.125");
  EXPECT_EQ(format_parameter_value(ParamKind::size, 356ULL << 20), "356MiB");
}

// docs/scenario-format.md and the code cannot disagree: the docs hold every row as --list-params prints it,
// every enum word and every fault verb.
TEST(Parameters, DocsHoldEveryRowEnumWordAndVerb) {
  const std::string docs = read_docs();
  ASSERT_FALSE(docs.empty()) << "docs/scenario-format.md is missing";
  EXPECT_NE(docs.find(parameter_table_header()), std::string::npos) << "the table header";
  for (const ParameterRow& row : parameter_table) {
    EXPECT_NE(docs.find(format_parameter_row(row) + "\n"), std::string::npos)
        << "docs/scenario-format.md lacks this row (copy it from `poolsim check --list-params`):\n"
        << format_parameter_row(row);
  }
  auto words_present = [&](const auto& table) {
    for (const auto& entry : table.entries) {
      EXPECT_NE(docs.find("`" + std::string(entry.second) + "`"), std::string::npos)
          << table.noun << " '" << entry.second << "' is not in the docs";
    }
  };
  words_present(storage_types);
  words_present(bond_modes);
  words_present(lacp_rates);
  words_present(restart_priorities);
  words_present(interval_formulas);
  words_present(fault_verb_names);
  words_present(random_targets);
  words_present(repair_distributions);
  words_present(host_expect_states);
  words_present(vm_expect_states);
}

}  // namespace
}  // namespace poolsim::scenario
