// Bad input never crashes, hangs or loads silently: truncated, corrupted, binary, empty, huge and explosive files.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "poolsim/scenario/load.hpp"

namespace poolsim::scenario {
namespace {

std::string tutorial() {
  std::ifstream in(std::string(POOLSIM_SOURCE_DIR) + "/scenarios/tutorial-cable-pull.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string only_message(const LoadResult& result) {
  EXPECT_FALSE(result.spec);
  EXPECT_EQ(result.diagnostics.size(), 1u);
  return result.diagnostics.empty() ? "" : format_diagnostic(result.diagnostics.front());
}

// Every prefix of a valid file either loads or is refused with at least one error: never a crash.
TEST(Robustness, EveryTruncationIsRefusedOrValid) {
  const std::string text = tutorial();
  ASSERT_TRUE(load_scenario_text(text, "t.yaml").spec);
  for (std::size_t length = 0; length < text.size(); length += 7) {
    const LoadResult result = load_scenario_text(text.substr(0, length), "t.yaml");
    EXPECT_TRUE(result.spec || has_errors(result.diagnostics)) << "prefix of " << length << " bytes";
  }
}

// Bytes overwritten at positions drawn from a fixed linear congruential sequence (reproducible).
TEST(Robustness, CorruptedBytesAreRefusedOrValid) {
  const std::string text = tutorial();
  std::uint64_t state = 12345;
  static constexpr char bytes[] = "\x00\xff:-[]{}&*!|>'\"#\n\t 0a";
  const std::string replacements(bytes, sizeof bytes - 1);  // with its NUL
  for (int round = 0; round < 2000; ++round) {
    std::string corrupted = text;
    for (int k = 0; k < 3; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      corrupted[(state >> 33) % corrupted.size()] = replacements[(state >> 20) % replacements.size()];
    }
    const LoadResult result = load_scenario_text(corrupted, "t.yaml");
    EXPECT_TRUE(result.spec || has_errors(result.diagnostics)) << "round " << round;
  }
}

TEST(Robustness, EmptyBinaryAndNotUtf8) {
  EXPECT_EQ(only_message(load_scenario_text("", "e.yaml")),
            "e.yaml: error: the file is empty; a scenario needs at least 'name', 'until' and 'pool' "
            "(docs/scenario-format.md)");
  EXPECT_EQ(only_message(load_scenario_text("# only a comment\n", "e.yaml")),
            "e.yaml: error: the file is empty; a scenario needs at least 'name', 'until' and 'pool' "
            "(docs/scenario-format.md)");
  EXPECT_EQ(only_message(load_scenario_text(std::string("\x7f" "ELF\x02\x01\x01\x00\x00", 9), "b.yaml")),
            "b.yaml:1:8: error: the file holds a NUL byte; a scenario is UTF-8 text, not a binary file");
  EXPECT_EQ(only_message(load_scenario_text("name: a\xc3\x28\n", "b.yaml")),
            "b.yaml:1:8: error: the file is not UTF-8 text (byte 0xc3); save it as UTF-8");
  EXPECT_EQ(only_message(load_scenario_text("name: \xed\xa0\x80\n", "b.yaml")),  // a UTF-16 surrogate
            "b.yaml:1:7: error: the file is not UTF-8 text (byte 0xed); save it as UTF-8");
  EXPECT_TRUE(load_scenario_text("description: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n", "u.yaml")
                  .diagnostics.size() > 0);  // valid UTF-8 gets past the text check to the schema
}

TEST(Robustness, HugeFilesAreRefusedBeforeParsing) {
  const std::string huge = "name: big\n" + std::string(50 << 20, '#');
  EXPECT_EQ(only_message(load_scenario_text(huge, "h.yaml")),
            "h.yaml: error: the file is larger than 4MiB, the limit for a scenario file; keep one pool per file and "
            "split the rest");
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "poolsim_huge_test.yaml";
  {
    std::ofstream out(path, std::ios::binary);
    out << huge;
  }
  EXPECT_EQ(only_message(load_scenario(path.string())),
            path.string() + ": error: the file is larger than 4MiB, the limit for a scenario file; keep one pool per "
                            "file and split the rest");
  std::filesystem::remove(path);
}

TEST(Robustness, DeepNestingIsRefused) {
  const std::string deep = "name: " + std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_FALSE(load_scenario_text(deep, "d.yaml").spec);
  std::string block = "name: x\n";
  for (int depth = 0; depth < 1000; ++depth) block += std::string(static_cast<std::size_t>(depth), ' ') + "k:\n";
  EXPECT_FALSE(load_scenario_text(block, "d.yaml").spec);
}

// A few MiB of tiny values: refused while parsing, at the first list that is too long, before yaml-cpp builds the
// tree (which took 27 to 34 s and 0.6 to 1 GB for a flat 4 MiB list).
TEST(Robustness, LongListsAreRefusedWhileParsing) {
  std::string flow = "name: flat\nuntil: 1h\nk: [";
  while (flow.size() < (4u << 20) - 8) flow += "0,";
  flow += "0]\n";
  EXPECT_EQ(only_message(load_scenario_text(flow, "f.yaml")),
            "f.yaml:3:200005: error: a list or mapping here holds more than 100000 entries, the limit for a scenario, "
            "far beyond the hosts or VMs of any real pool; shorten the list or split the file");
  std::string block = "name: flat\nuntil: 1h\nk:\n";
  while (block.size() < (4u << 20) - 8) block += "- 1\n";
  EXPECT_EQ(only_message(load_scenario_text(block, "b.yaml")),
            "b.yaml:100004:3: error: a list or mapping here holds more than 100000 entries, the limit for a scenario, "
            "far beyond the hosts or VMs of any real pool; shorten the list or split the file");
  std::string map = "name: flat\nuntil: 1h\nk:\n";
  for (int i = 0; i <= 100'000; ++i) map += "  k" + std::to_string(i) + ": 1\n";
  const std::string message = only_message(load_scenario_text(map, "m.yaml"));  // entries, not key + value nodes
  EXPECT_NE(message.find("m.yaml:100004:3: error: a list or mapping here holds more than 100000 entries"),
            std::string::npos)
      << message;
}

// Lists each within the length limit, but more values than a scenario may hold in all.
TEST(Robustness, TooManyValuesAreRefusedWhileParsing) {
  std::string text = "name: many\nuntil: 1h\n";
  for (int list = 0; list < 11; ++list) {
    text += "k" + std::to_string(list) + ": [";
    for (int i = 0; i < 99'999; ++i) text += "0,";
    text += "0]\n";
  }
  const std::string message = only_message(load_scenario_text(text, "n.yaml"));
  EXPECT_NE(message.find("error: the file holds more than 1000000 YAML values, the limit for a scenario"),
            std::string::npos)
      << message;
}

TEST(Robustness, NestingBeyondTheFormatIsRefused) {
  const std::string deep = "name: " + std::string(65, '[') + std::string(65, ']') + "\n";
  EXPECT_EQ(only_message(load_scenario_text(deep, "d.yaml")),
            "d.yaml:1:70: error: the YAML nests more than 64 levels deep, the limit for a scenario; a scenario needs "
            "a handful");
  const std::string within = "name: x\nk: " + std::string(63, '[') + std::string(63, ']') + "\n";
  const LoadResult result = load_scenario_text(within, "w.yaml");
  ASSERT_FALSE(result.diagnostics.empty());  // refused by the schema, not by the depth
  EXPECT_EQ(format_diagnostic(result.diagnostics.front()).find("nests"), std::string::npos);
}

// Anchors and aliases let 8 kB expand to a million nodes: the load stops with a message instead.
TEST(Robustness, AliasExpansionIsBounded) {
  std::string text = "name: bomb\nuntil: 1h\ndisks: &d [";
  for (int i = 0; i < 1100; ++i) text += i ? ", sr" : "sr";
  text += "]\npool:\n  vms:\n    - &v {name: v, memory: 1GiB, vcpus: 1, disks: *d}\n";
  for (int i = 0; i < 1100; ++i) text += "    - *v\n";
  const LoadResult result = load_scenario_text(text, "bomb.yaml");
  EXPECT_FALSE(result.spec);
  ASSERT_FALSE(result.diagnostics.empty());
  const std::string last = format_diagnostic(result.diagnostics.back());
  EXPECT_TRUE(last.find("expands to more than 1000000 YAML nodes") != std::string::npos ||
              last.find("too many problems") != std::string::npos)
      << last;
}

TEST(Robustness, TooManyProblemsStopsAtAHundred) {
  std::string text = "name: x\nuntil: 1h\n";
  for (int i = 0; i < 500; ++i) text += "k" + std::to_string(i) + ": 1\n";
  const LoadResult result = load_scenario_text(text, "m.yaml");
  ASSERT_EQ(result.diagnostics.size(), 101u);
  EXPECT_EQ(format_diagnostic(result.diagnostics.back()),
            "m.yaml:103:1: error: too many problems; stopping after 100, fix these first");
}

TEST(Robustness, MissingFilesAndDirectories) {
  EXPECT_EQ(only_message(load_scenario("/nonexistent/poolsim.yaml")),
            "/nonexistent/poolsim.yaml: error: cannot open the file; check the path and its permissions");
  const std::string dir = std::filesystem::temp_directory_path().string();
  EXPECT_EQ(only_message(load_scenario(dir)), dir + ": error: is a directory; give a scenario file (.yaml)");
}

}  // namespace
}  // namespace poolsim::scenario
