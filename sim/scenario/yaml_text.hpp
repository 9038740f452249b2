// A scenario file's text before the schema: reading it with a size cap, the checks of the bytes (size, UTF-8, NUL)
// and parsing its one YAML document within the tree limits of load.hpp. Shared by the scenario and its pool file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "report.hpp"

namespace poolsim::scenario::detail {

// A file's text, up to one byte past max_file_bytes (check_text refuses a larger one), or why it cannot be read.
struct FileText {
  std::string text;
  std::string error;  // empty when read: "is a directory", "cannot be opened"
};
FileText read_capped(const std::filesystem::path& path);

// Problems of the text as a whole, before YAML parsing, reported in the file being read (FileScope). True when the
// text can be parsed.
bool check_text(std::string_view text, Reporter& reporter);

// Parses `text` into its single YAML document, or reports why not (yaml_text.cpp).
std::optional<YAML::Node> parse_document(const std::string& text, Reporter& reporter);

}  // namespace poolsim::scenario::detail
