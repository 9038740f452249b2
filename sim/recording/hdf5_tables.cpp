#include "poolsim/recording/hdf5_tables.hpp"

#include <H5Cpp.h>

#include <cstring>
#include <stdexcept>
#include <system_error>

#include "poolsim/recording/output_file.hpp"
#include "poolsim/version.hpp"
#include "recording/hdf5_common.hpp"

// The conventions of hdf5_timeline.cpp (no object times, UTF-8 variable-length strings, little-endian numbers
// on disk, a temporary published as PATH when complete: output_file.hpp), through the helpers both share
// (hdf5_common.hpp).
namespace poolsim {
namespace {

using hdf5::create_group;
using hdf5::utf8_string;

// The group at `path` under the root, creating the groups on the way that do not exist yet.
H5::Group group_at(H5::H5File& file, const std::string& path) {
  H5::Group group = file.openGroup("/");
  std::size_t start = 0;
  while (start < path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::string name = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!name.empty()) group = group.nameExists(name) ? group.openGroup(name) : create_group(group, name);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return group;
}

void write_attribute(const H5::H5Object& at, const Hdf5Attribute& a) {
  std::visit([&](const auto& value) { hdf5::write_attribute(at, a.name, value); }, a.value);
}

std::size_t column_length(const Hdf5Column& c) {
  return std::visit([](const auto& v) { return v.size(); }, c.values);
}

// Every column is 8 bytes in a row, in memory (double, uint64_t, const char*) and on disk (float64, uint64, a
// variable-length string reference), so the layout is the column's index times 8.
void write_table(H5::H5File& file, const Hdf5Table& table) {
  const std::size_t slash = table.path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : table.path.substr(0, slash);
  const std::string name = slash == std::string::npos ? table.path : table.path.substr(slash + 1);
  const std::size_t rows = table.columns.empty() ? 0 : column_length(table.columns.front());
  const std::size_t width = table.columns.size() * 8;
  H5::CompType in_memory(width);
  H5::CompType on_disk(width);
  std::vector<unsigned char> buffer(rows * width);
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    const Hdf5Column& column = table.columns[c];
    if (column_length(column) != rows) {
      throw std::invalid_argument("table '" + table.path + "': column '" + column.name + "' has another length");
    }
    const std::size_t offset = c * 8;
    if (const auto* d = std::get_if<std::vector<double>>(&column.values)) {
      in_memory.insertMember(column.name, offset, H5::PredType::NATIVE_DOUBLE);
      on_disk.insertMember(column.name, offset, H5::PredType::IEEE_F64LE);
      for (std::size_t r = 0; r < rows; ++r) std::memcpy(&buffer[r * width + offset], &(*d)[r], 8);
    } else if (const auto* u = std::get_if<std::vector<std::uint64_t>>(&column.values)) {
      in_memory.insertMember(column.name, offset, H5::PredType::NATIVE_UINT64);
      on_disk.insertMember(column.name, offset, H5::PredType::STD_U64LE);
      for (std::size_t r = 0; r < rows; ++r) std::memcpy(&buffer[r * width + offset], &(*u)[r], 8);
    } else {
      const auto& s = std::get<std::vector<std::string>>(column.values);
      in_memory.insertMember(column.name, offset, utf8_string());
      on_disk.insertMember(column.name, offset, utf8_string());
      for (std::size_t r = 0; r < rows; ++r) {
        const char* text = s[r].c_str();
        std::memcpy(&buffer[r * width + offset], &text, sizeof text);
      }
    }
  }
  const H5::Group parent = group_at(file, dir);
  H5::DSetCreatPropList plist;
  hdf5::untrack_times(plist);
  const hsize_t dims[1] = {rows};
  const hsize_t max_dims[1] = {H5S_UNLIMITED};
  const hsize_t chunk[1] = {hdf5::chunk_rows};
  const H5::DataSpace space(1, dims, max_dims);
  plist.setChunk(1, chunk);
  plist.setShuffle();
  plist.setDeflate(hdf5::deflate_level);
  const H5::DataSet dataset = parent.createDataSet(name, on_disk, space, plist);
  if (rows > 0) dataset.write(buffer.data(), in_memory);
}

void copy_file_into(H5::H5File& file, const Hdf5FileCopy& copy) {
  const std::size_t slash = copy.path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : copy.path.substr(0, slash);
  const std::string name = slash == std::string::npos ? copy.path : copy.path.substr(slash + 1);
  const H5::Group parent = group_at(file, dir);
  const H5::H5File source(copy.file.string(), H5F_ACC_RDONLY);
  if (H5Ocopy(source.getId(), "/", parent.getId(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0) {
    throw H5::GroupIException("copy_file_into", "cannot copy '" + copy.file.string() + "' to '" + copy.path + "'");
  }
}

}  // namespace

void write_hdf5_tables(const std::filesystem::path& path, const std::vector<Hdf5Attribute>& root_attributes,
                       const std::vector<Hdf5Table>& tables, const std::vector<Hdf5FileCopy>& copies) {
  for (const Hdf5Table& t : tables) {
    for (const Hdf5Column& c : t.columns) {
      if (column_length(c) != column_length(t.columns.front())) {
        throw std::invalid_argument("table '" + t.path + "': column '" + c.name + "' has another length");
      }
    }
  }
  TemporaryFile tmp(path, "cannot write HDF5 file '" + path.string() + "': ");
  tmp.close();
  hdf5::write_in_child(tmp.path(), tmp.where(), [&] {
    H5::FileCreatPropList fcpl;
    hdf5::untrack_times(fcpl);
    H5::H5File file(tmp.path().string(), H5F_ACC_TRUNC, fcpl);
    write_attribute(file, Hdf5Attribute{"poolsim_version", std::string(version)});
    for (const Hdf5Attribute& a : root_attributes) write_attribute(file, a);
    for (const Hdf5Table& t : tables) write_table(file, t);
    for (const Hdf5FileCopy& c : copies) copy_file_into(file, c);
    file.close();
  });
  tmp.commit();
}

}  // namespace poolsim
