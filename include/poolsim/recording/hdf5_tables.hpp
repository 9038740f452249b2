// Writing an HDF5 file of plain tables: what `poolsim batch` and `poolsim size --h5` write (docs/hdf5-layout.md
// "Batch files", "Size files").
//
// The caller gives root attributes, tables as columns (float64, uint64 or UTF-8 string; one-dimensional compound
// datasets, the same shapes as the run files' tables), and other HDF5 files to copy in whole as groups (a run's
// timeline under /runs/<id>). The file is written to PATH.tmp, flushed and renamed to PATH: whole or absent. No
// object carries a time, so the same content gives the same bytes. HDF5 stays private to the recording layer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace poolsim {

struct Hdf5Column {
  std::string name;
  std::variant<std::vector<double>, std::vector<std::uint64_t>, std::vector<std::string>> values;
};

// A table at `path` ("runs/summary": groups on the way are created). Every column has the same length.
struct Hdf5Table {
  std::string path;
  std::vector<Hdf5Column> columns;
};

struct Hdf5Attribute {
  std::string name;
  std::variant<std::string, std::uint64_t, double> value;
};

// The whole content of `file` (its root group, attributes and everything under it) copied as group `path`.
struct Hdf5FileCopy {
  std::filesystem::path file;
  std::string path;
};

// Writes `path` as described above. Throws std::runtime_error naming the path when it cannot, and
// std::invalid_argument for columns of unequal lengths.
void write_hdf5_tables(const std::filesystem::path& path, const std::vector<Hdf5Attribute>& root_attributes,
                       const std::vector<Hdf5Table>& tables, const std::vector<Hdf5FileCopy>& copies = {});

}  // namespace poolsim
