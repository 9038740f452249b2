// poolsim import DB.xml|REPORT.tar.gz -o POOL.yaml: the XAPI database as a scenario (docs/importing.md).
// Exit 0 when the scenario is written (warnings allowed), 2 on a usage error or an input that cannot be imported.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
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

constexpr const char* usage = "usage: poolsim import DB.xml|REPORT.tar.gz -o POOL.yaml|-";

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

}  // namespace

int import_main(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  std::string output;
  po::options_description options("options");
  options.add_options()("help,h", "this help")("output,o", po::value<std::string>(&output),
                                               "the scenario file to write (through OUTPUT.tmp); '-' for stdout");
  po::variables_map vm;
  if (!parse_args("import", args, options, files, 1, vm, std::cerr)) return exit_usage;
  if (vm.count("help")) {
    std::cout << usage << "\n\n"
                 "Reads a XAPI database (/var/lib/xcp/state.db, 'xe pool-dump-database file-name=DB.xml', or the\n"
                 "xapi-db.xml inside a xen-bugtool status report) and writes the pool as a scenario that 'poolsim check'\n"
                 "accepts. What the database cannot know is assumed: the assumptions are comments at the top of the file\n"
                 "and are printed on stderr. Names only: no address or password is copied. docs/importing.md.\n\n"
              << options;
    return exit_ok;
  }
  if (files.size() != 1 || output.empty()) {
    std::cerr << "poolsim import: " << (files.size() != 1 ? "no database given" : "no output given (-o POOL.yaml)") << "; "
              << usage << '\n';
    return exit_usage;
  }
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

}  // namespace poolsim::cli
