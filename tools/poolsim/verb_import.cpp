// poolsim import DB.xml|REPORT.tar.gz -o POOL.yaml: the XAPI database as a scenario (docs/importing.md);
// poolsim import --xe DIR|LIST... -o POOL.yaml: the same from `xe <class>-list params=all` text.
// Exit 0 when the scenario is written (warnings allowed), 2 on a usage error or an input that cannot be imported.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <boost/program_options.hpp>

#include "poolsim/import/archive.hpp"
#include "poolsim/import/import.hpp"
#include "poolsim/scenario/load.hpp"
#include "poolsim/scenario_args.hpp"
#include "poolsim/verbs.hpp"

namespace poolsim::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* usage = "usage: poolsim import DB.xml|REPORT.tar.gz -o POOL.yaml|-\n"
                              "       poolsim import --xe DIR|LIST... -o POOL.yaml|-";

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(b, ec) && fs::equivalent(a, b, ec)) return true;
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

// Writes through OUT.tmp, renamed over OUT once complete: OUT is whole or untouched.
bool write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      std::cerr << "poolsim import: cannot write '" << tmp << "'; check that its folder exists and is writable\n";
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    std::cerr << "poolsim import: cannot rename '" << tmp << "' to '" << path << "': " << ec.message() << '\n';
    return false;
  }
  return true;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The xe lists of the inputs: each directory's files (sorted by name; hidden ones, and those that are neither
// named after a list nor xe text, skipped with a warning) and the files given. nullopt after an error.
std::optional<std::vector<import::XeFile>> gather_xe(const std::vector<std::string>& inputs, const std::string& output) {
  std::vector<import::XeFile> lists;
  auto add = [&](const std::string& path, bool from_directory) {
    if (output != "-" && same_file(path, output)) {
      if (from_directory) return true;  // the scenario written by an earlier run
      std::cerr << "poolsim import: the output '" << output << "' is an input; write the scenario to another file\n";
      return false;
    }
    std::optional<std::string> text = read_file(path);
    if (!text) {
      std::cerr << path << ": error: cannot read the file; check its path\n";
      return false;
    }
    import::XeFile f{path, std::move(*text), import::xe_class_from_name(fs::path(path).filename().string())};
    const std::size_t first = f.text.find_first_not_of(" \t\r\n");
    const bool database = (first != std::string::npos && f.text[first] == '<') || import::looks_like_archive(f.text);
    if (!from_directory && f.cls.empty() && database) {
      std::cerr << path << ": error: this is a XAPI database or status report, not an xe list; give it alone: "
                           "poolsim import " << path << " -o POOL.yaml\n";
      return false;
    }
    if (from_directory && f.cls.empty() && !f.text.empty() && !import::looks_like_xe_text(f.text)) {
      std::cerr << path << ": warning: not xe params=all text and not named after a list; skipped\n";
      return true;
    }
    lists.push_back(std::move(f));
    return true;
  };
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(input, ec)) {
      if (!add(input, false)) return std::nullopt;
      continue;
    }
    std::vector<std::string> members;
    for (const fs::directory_entry& e : fs::directory_iterator(input, ec)) {
      const std::string name = e.path().filename().string();
      if (!name.empty() && name[0] != '.' && e.is_regular_file(ec)) members.push_back(e.path().string());
    }
    if (ec) {
      std::cerr << input << ": error: cannot list the directory: " << ec.message() << '\n';
      return std::nullopt;
    }
    std::sort(members.begin(), members.end());
    for (const std::string& m : members) {
      if (!add(m, true)) return std::nullopt;
    }
  }
  return lists;
}

int write_result(const import::ImportResult& result, const std::string& output) {
  for (const scenario::Diagnostic& d : result.diagnostics) std::cerr << scenario::format_diagnostic(d) << '\n';
  if (!result.spec) return exit_usage;
  for (const std::string& a : result.assumptions) std::cerr << "poolsim import: assumed: " << a << '\n';
  // What is written must load: a problem here (a host overcommitted by its VMs' static max...) is reported
  // against the written file, so that the user can edit it.
  const std::string shown = output == "-" ? std::string("<stdout>") : output;
  const scenario::LoadResult check = scenario::load_scenario_text(result.yaml, shown);
  for (const scenario::Diagnostic& d : check.diagnostics) std::cerr << scenario::format_diagnostic(d) << '\n';
  if (output == "-") {
    std::cout << result.yaml;
  } else if (!write_atomically(output, result.yaml)) {
    return exit_usage;
  }
  if (!check.spec) {
    std::cerr << "poolsim import: the scenario was written but 'poolsim check' refuses it; fix the lines above\n";
    return exit_usage;
  }
  return exit_ok;
}

int import_xe_main(const std::vector<std::string>& inputs, const std::string& output, bool any_directory) {
  std::optional<std::vector<import::XeFile>> lists = gather_xe(inputs, output);
  if (!lists) return exit_usage;
  // The input as a whole: the directory, or the files given.
  std::string where = "xe lists";
  std::string label = std::to_string(inputs.size()) + " xe lists";
  if (inputs.size() == 1 && any_directory) {
    where = inputs.front();
    std::error_code ec;
    const std::string base = fs::weakly_canonical(inputs.front(), ec).filename().string();
    if (!base.empty()) label = base + "/";
  }
  const import::ImportResult result = import::import_xe(*lists, where, !any_directory, label);
  return write_result(result, output);
}

}  // namespace

int import_main(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  std::string output;
  po::options_description options("options");
  options.add_options()("help,h", "this help")("output,o", po::value<std::string>(&output),
                                               "the scenario file to write (through OUTPUT.tmp); '-' for stdout")(
      "xe", "the inputs are 'xe <class>-list params=all' outputs: a directory of them, or the files (implied by a "
            "directory or by several inputs)");
  po::variables_map vm;
  if (!parse_args("import", args, options, files, -1, vm, std::cerr)) return exit_usage;
  if (vm.count("help")) {
    std::cout << usage << "\n\n"
                 "Reads a XAPI database (/var/lib/xcp/state.db, 'xe pool-dump-database file-name=DB.xml', or the\n"
                 "xapi-db.xml inside a xen-bugtool status report) and writes the pool as a scenario that 'poolsim check'\n"
                 "accepts. What the database cannot know is assumed: the assumptions are comments at the top of the file\n"
                 "and are printed on stderr. Names only: no address or password is copied.\n"
                 "With --xe, reads instead the outputs of 'xe pool-list params=all', host-list, network-list, pif-list,\n"
                 "bond-list, sr-list, pbd-list, vdi-list, vm-list, vbd-list and vif-list (host-cpu-list too for XenServer\n"
                 "5.5 and older), saved on the pool master each to a file named after its command. docs/importing.md.\n\n"
              << options;
    return exit_ok;
  }
  if (files.empty() || output.empty()) {
    std::cerr << "poolsim import: " << (files.empty() ? "no database or xe lists given" : "no output given (-o POOL.yaml)") << "; "
              << usage << '\n';
    return exit_usage;
  }
  std::error_code dir_ec;
  const bool any_directory = std::any_of(files.begin(), files.end(), [&](const std::string& f) { return fs::is_directory(f, dir_ec); });
  if (vm.count("xe") || any_directory || files.size() > 1) return import_xe_main(files, output, any_directory);
  const std::string& input = files.front();
  if (output != "-" && same_file(input, output)) {
    std::cerr << "poolsim import: the output '" << output << "' is the input; write the scenario to another file\n";
    return exit_usage;
  }
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::cerr << input << ": error: cannot read the file; check its path\n";
    return exit_usage;
  }
  std::string text;
  {
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  std::string display = input;
  if (import::looks_like_xe_text(text)) {
    std::cerr << input << ": error: this is 'xe ... params=all' text, not a XAPI database; give all the lists: "
                          "poolsim import --xe DIR -o POOL.yaml (docs/importing.md)\n";
    return exit_usage;
  }
  if (import::looks_like_archive(text)) {
    std::string why;
    std::optional<import::ArchiveMember> member = import::read_archive_member(input, "xapi-db.xml", why);
    if (!member) {
      std::cerr << input << ": error: " << why << '\n';
      return exit_usage;
    }
    display = input + "/" + member->path;
    text = std::move(member->text);
  }
  const import::ImportResult result =
      import::import_xml(text, display, fs::path(input).filename().string());
  return write_result(result, output);
}

}  // namespace poolsim::cli
