// Reading back the HDF5 files poolsim writes (docs/hdf5-layout.md): a run's timeline, a batch file, a size file.
//
// What a reader above the recording layer needs (`poolsim report`), without any HDF5 type: which groups and
// datasets exist, the scalar attributes of an object, and a one-dimensional compound table as columns of the
// types the writers use (float64, uint64, UTF-8 strings: the Hdf5Column of hdf5_tables.hpp). Any other integer
// type is read as uint64, any float as double. HDF5 stays private to the recording layer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "poolsim/recording/hdf5_tables.hpp"

namespace poolsim {

// A file that cannot be read as expected: what() names the file (and the object) and says what is wrong.
class Hdf5ReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Hdf5Value = std::variant<std::string, std::uint64_t, double>;

class Hdf5Reader {
 public:
  // Opens `path` read-only. Throws Hdf5ReadError when it is missing, a directory or not an HDF5 file.
  explicit Hdf5Reader(const std::filesystem::path& path);
  ~Hdf5Reader();
  Hdf5Reader(const Hdf5Reader&) = delete;
  Hdf5Reader& operator=(const Hdf5Reader&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // True when `object` ("summary/vms", "hosts", "/") names a group or dataset of the file.
  bool has(const std::string& object) const;
  bool is_group(const std::string& object) const;
  // The names of the members of group `group`, in HDF5's name order; throws Hdf5ReadError for a missing group.
  std::vector<std::string> members(const std::string& group) const;
  // A scalar attribute of `object` (a string, an integer read as uint64, or a float), or nothing when absent or of
  // another shape.
  std::optional<Hdf5Value> attribute(const std::string& object, const std::string& name) const;
  // The compound dataset at `object` as columns, in the dataset's member order. Throws Hdf5ReadError when it is
  // missing or not a one-dimensional compound table of numbers and strings.
  Hdf5Table table(const std::string& object) const;

 private:
  struct Impl;
  std::filesystem::path path_;
  std::unique_ptr<Impl> impl_;
};

// Convenience: the column `name` of `table` as the type asked, or null when absent or of another type.
const std::vector<double>* column_doubles(const Hdf5Table& table, std::string_view name);
const std::vector<std::uint64_t>* column_counts(const Hdf5Table& table, std::string_view name);
const std::vector<std::string>* column_strings(const Hdf5Table& table, std::string_view name);
// Rows of a table (the length of its first column; 0 without columns).
std::size_t row_count(const Hdf5Table& table);

}  // namespace poolsim
