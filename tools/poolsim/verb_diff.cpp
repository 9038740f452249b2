// poolsim diff A B: the first line where two timelines differ, with the lines before it for context.
// Exit 0 when identical, 1 when they differ, 2 when a file cannot be read.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "poolsim/verbs.hpp"

namespace poolsim::cli {
namespace {

constexpr std::size_t context_lines = 3;

bool read_lines(const std::string& path, std::vector<std::string>& lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return !in.bad();
}

void print_numbered(char mark, std::size_t number, const std::string& line) {
  std::cout << "  " << mark << ' ' << number << ": " << line << '\n';
}

}  // namespace

int diff_main(const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: poolsim diff A.timeline B.timeline\n\n"
                 "Prints the first line where A and B differ, with up to " << context_lines
              << " lines before it.\nExit status: 0 identical, 1 different, 2 a file cannot be read.\n";
    return exit_ok;
  }
  if (args.size() != 2) {
    std::cerr << "poolsim diff: needs exactly two files; usage: poolsim diff A.timeline B.timeline\n";
    return exit_usage;
  }
  std::vector<std::string> a, b;
  for (const auto& [path, lines] : {std::pair{args[0], &a}, std::pair{args[1], &b}}) {
    if (!read_lines(path, *lines)) {
      std::cerr << "poolsim diff: cannot read '" << path << "'; check the path and its permissions\n";
      return exit_usage;
    }
  }
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  if (i == a.size() && i == b.size()) return exit_ok;

  std::cout << args[0] << " and " << args[1] << " differ at line " << i + 1 << ":\n";
  for (std::size_t c = i > context_lines ? i - context_lines : 0; c < i; ++c) print_numbered(' ', c + 1, a[c]);
  if (i < a.size()) print_numbered('-', i + 1, a[i]);
  else std::cout << "  - (" << args[0] << " ends after line " << i << ")\n";
  if (i < b.size()) print_numbered('+', i + 1, b[i]);
  else std::cout << "  + (" << args[1] << " ends after line " << i << ")\n";
  return exit_failed;
}

}  // namespace poolsim::cli
