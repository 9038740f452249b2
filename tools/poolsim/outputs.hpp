// The files a command writes, checked and locked before it runs: one helper for every verb that writes files (run,
// size, batch, swarm), so that an output that would destroy an input or cannot be written is refused at once with
// exit status 2 rather than after the run (docs/running.md "Outputs").
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "poolsim/recording/output_file.hpp"

namespace poolsim::cli {

// An output of the command: the option that names it (for messages, e.g. "--h5") and its path.
struct Output {
  std::string option;
  std::filesystem::path path;
  bool lock = true;  // false for a file the command appends to in place under another output's lock (a journal)
};

// The outputs of a command, locked (poolsim/recording/output_file.hpp) until destroyed.
class Outputs {
 public:
  // Checks each output, then locks each one that asks for it. Refused, each with what is wrong and how to fix it:
  //   - an output that is one of `inputs` (the same device and inode: hard links, `./x` and `x`, a symbolic link
  //     to the input are all caught);
  //   - two outputs on one path (the same directory and name, or the same existing file);
  //   - an output that is a directory, or anything but a regular file (a device would be replaced by the rename);
  //   - a missing parent directory, a parent that is not a directory, or one this process cannot write in;
  //   - an output another process is writing (its lock is held).
  // Prints "poolsim VERB: MESSAGE" to `err` and returns nothing when one is refused: the command exits 2.
  static std::optional<Outputs> prepare(std::string_view verb, const std::vector<std::filesystem::path>& inputs,
                                        const std::vector<Output>& outputs, std::ostream& err);

 private:
  std::vector<std::unique_ptr<OutputLock>> locks_;
};

// The same checks for a directory a command writes files into (poolsim swarm --out DIR): it may be absent (it is
// created), else it must be a directory this process can write in. Prints the problem and returns false.
bool check_output_directory(std::string_view verb, std::string_view option, const std::filesystem::path& dir,
                            std::ostream& err);

}  // namespace poolsim::cli
