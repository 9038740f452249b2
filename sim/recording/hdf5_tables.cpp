#include "poolsim/recording/hdf5_tables.hpp"

#include <H5Cpp.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <system_error>

#include "poolsim/version.hpp"

// The same conventions as hdf5_timeline.cpp (no object times, UTF-8 variable-length strings, little-endian
// numbers on disk, PATH.tmp renamed when complete); the helpers are repeated here rather than shared so that
// the run recorder stays untouched by batches.
namespace poolsim {
namespace {

class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

void untrack_times(const H5::PropList& plist) {
  if (H5Pset_obj_track_times(plist.getId(), false) < 0) {
    throw H5::PropListIException("untrack_times", "H5Pset_obj_track_times failed");
  }
}

H5::StrType utf8_string() {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  return type;
}

H5::Group create_group(const H5::Group& parent, const std::string& name) {
  const H5::PropList gcpl(H5P_GROUP_CREATE);
  untrack_times(gcpl);
  const hid_t id = H5Gcreate2(parent.getId(), name.c_str(), H5P_DEFAULT, gcpl.getId(), H5P_DEFAULT);
  if (id < 0) throw H5::GroupIException("create_group", "cannot create group '" + name + "'");
  H5::Group group(id);
  H5Gclose(id);
  return group;
}

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
  if (const auto* text = std::get_if<std::string>(&a.value)) {
    const H5::StrType type = utf8_string();
    at.createAttribute(a.name, type, H5::DataSpace(H5S_SCALAR)).write(type, *text);
  } else if (const auto* count = std::get_if<std::uint64_t>(&a.value)) {
    at.createAttribute(a.name, H5::PredType::STD_U64LE, H5::DataSpace(H5S_SCALAR))
        .write(H5::PredType::NATIVE_UINT64, count);
  } else {
    const double value = std::get<double>(a.value);
    at.createAttribute(a.name, H5::PredType::IEEE_F64LE, H5::DataSpace(H5S_SCALAR))
        .write(H5::PredType::NATIVE_DOUBLE, &value);
  }
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
  untrack_times(plist);
  const hsize_t dims[1] = {rows};
  const hsize_t max_dims[1] = {H5S_UNLIMITED};
  const hsize_t chunk[1] = {1024};
  const H5::DataSpace space(1, dims, max_dims);
  plist.setChunk(1, chunk);
  plist.setShuffle();
  plist.setDeflate(6);
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

std::string describe(const H5::Exception& e) {
  std::string text = e.getFuncName();
  const std::string detail = e.getDetailMsg();
  if (!detail.empty()) text += (text.empty() ? "" : ": ") + detail;
  return text;
}

bool sync_to_disk(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

void write_hdf5_tables(const std::filesystem::path& path, const std::vector<Hdf5Attribute>& root_attributes,
                       const std::vector<Hdf5Table>& tables, const std::vector<Hdf5FileCopy>& copies) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  const std::string where = "cannot write HDF5 file '" + path.string() + "': ";
  {
    const QuietHdf5Errors quiet;
    try {
      H5::FileCreatPropList fcpl;
      untrack_times(fcpl);
      H5::H5File file(tmp.string(), H5F_ACC_TRUNC, fcpl);
      write_attribute(file, Hdf5Attribute{"poolsim_version", std::string(version)});
      for (const Hdf5Attribute& a : root_attributes) write_attribute(file, a);
      for (const Hdf5Table& t : tables) write_table(file, t);
      for (const Hdf5FileCopy& c : copies) copy_file_into(file, c);
      file.close();
    } catch (const H5::Exception& e) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw std::runtime_error(where + describe(e));
    }
  }
  std::error_code error;
  if (!sync_to_disk(tmp, O_RDONLY | O_CLOEXEC)) {
    std::filesystem::remove(tmp, error);
    throw std::runtime_error(where + "cannot flush '" + tmp.string() + "'");
  }
  std::filesystem::rename(tmp, path, error);
  if (error) {
    std::filesystem::remove(tmp, error);
    throw std::runtime_error(where + "cannot rename '" + tmp.string() + "' to it: " + error.message());
  }
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  sync_to_disk(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

}  // namespace poolsim
