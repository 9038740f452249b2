#include "poolsim/outputs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace poolsim::cli {

namespace {

std::string error_text(int error) { return std::error_code(error, std::generic_category()).message(); }

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// Where an output lands: its directory's device and inode and its name (the same for `x`, `./x` and `dir/../x`).
struct Place {
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;
  bool operator==(const Place&) const = default;
};

// What is wrong with writing `path` in its directory, if anything; `place` is filled when nothing is.
std::optional<std::string> directory_problem(const std::filesystem::path& path, Place& place) {
  const std::filesystem::path dir = directory_of(path);
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT) {
      return "its directory " + quoted(dir) + " does not exist: create it first (mkdir -p " + quoted(dir) +
             "), or write elsewhere";
    }
    if (error == ENOTDIR) return "its directory " + quoted(dir) + " is not a directory: give another path";
    return "its directory " + quoted(dir) + " cannot be read: " + error_text(error);
  }
  if (!S_ISDIR(st.st_mode)) return "its directory " + quoted(dir) + " is not a directory: give another path";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return "cannot write in its directory " + quoted(dir) + ": " + describe_write_error(errno);
  }
  place = {st.st_dev, st.st_ino, path.filename().string()};
  return std::nullopt;
}

}  // namespace

std::optional<Outputs> Outputs::prepare(std::string_view verb, const std::vector<std::filesystem::path>& inputs,
                                        const std::vector<Output>& outputs, std::ostream& err) {
  const auto refuse = [&](const Output& o, const std::string& why) {
    err << "poolsim " << verb << ": " << o.option << ' ' << quoted(o.path) << ": " << why << '\n';
    return std::nullopt;
  };
  std::vector<struct stat> input_stats;
  for (const std::filesystem::path& input : inputs) {
    struct stat st{};
    if (::stat(input.c_str(), &st) == 0) input_stats.push_back(st);
  }
  std::vector<Place> places;
  std::vector<std::optional<struct stat>> existing;
  for (const Output& o : outputs) {
    if (o.path.empty() || o.path.filename().empty() || o.path.filename() == "." || o.path.filename() == "..") {
      return refuse(o, "is not a file name: give one, e.g. 'results.h5'");
    }
    struct stat st{};
    struct stat link{};
    const bool is_link = ::lstat(o.path.c_str(), &link) == 0 && S_ISLNK(link.st_mode);
    std::optional<struct stat> found;
    if (::stat(o.path.c_str(), &st) == 0) {
      found = st;
      if (S_ISDIR(st.st_mode)) {
        return refuse(o, "is a directory: give a file name, e.g. " + quoted(o.path / "out.h5"));
      }
      for (std::size_t i = 0; i < input_stats.size(); ++i) {
        if (!same_file(st, input_stats[i])) continue;
        return refuse(o, std::string(is_link ? "is a symbolic link to" : "is") + " the input " + quoted(inputs[i]) +
                             " (the same file): writing it would destroy the input; give another file name");
      }
      if (!S_ISREG(st.st_mode)) {
        return refuse(o, "is not a regular file (a device, pipe or socket): outputs are written to a new file "
                         "renamed into place; give a file name");
      }
    }
    Place place;
    if (const auto problem = directory_problem(o.path, place)) return refuse(o, *problem);
    for (std::size_t i = 0; i < places.size(); ++i) {
      if (places[i] == place || (found && existing[i] && same_file(*found, *existing[i]))) {
        return refuse(o, "is also the output of " + outputs[i].option + ": give each output its own file");
      }
    }
    places.push_back(place);
    existing.push_back(found);
  }
  Outputs held;
  for (const Output& o : outputs) {
    if (!o.lock) continue;
    try {
      held.locks_.push_back(std::make_unique<OutputLock>(o.path));
    } catch (const OutputError& e) {
      err << "poolsim " << verb << ": " << o.option << ": " << e.what() << '\n';
      return std::nullopt;
    }
  }
  return held;
}

bool check_output_directory(std::string_view verb, std::string_view option, const std::filesystem::path& dir,
                            std::ostream& err) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) return true;  // created when first needed, with its parents
  if (!S_ISDIR(st.st_mode)) {
    err << "poolsim " << verb << ": " << option << ' ' << quoted(dir) << ": is not a directory: give a directory\n";
    return false;
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    err << "poolsim " << verb << ": " << option << ' ' << quoted(dir) << ": cannot write in it: "
        << describe_write_error(errno) << '\n';
    return false;
  }
  return true;
}

}  // namespace poolsim::cli
