// What both HDF5 writers of the recording layer share (hdf5_timeline.cpp: a run's file; hdf5_tables.cpp: batch
// and size files): quiet HDF5 errors, no object times, UTF-8 strings, scalar attributes, and publishing a
// complete PATH.tmp as PATH. Private to sim/recording (HDF5 types appear here); header-only, the functions are
// small.
#pragma once

#include <H5Cpp.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace poolsim::hdf5 {

// Chunked tables (a run's /events, every batch and size table): rows of a few tens of bytes on disk, so 1024 of
// them make a chunk of a few tens of KiB, the size HDF5's chunk cache and deflate work well with; shuffle and
// deflate (gzip) level 6, filters that every HDF5 build and h5py have.
constexpr hsize_t chunk_rows = 1024;
constexpr int deflate_level = 6;

// Turns off HDF5's printing of its error stack to stderr while in scope: failures become exceptions with a
// message naming the path instead.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// An HDF5 exception as one line: the failing function and its detail.
inline std::string describe(const H5::Exception& e) {
  std::string text = e.getFuncName();
  const std::string detail = e.getDetailMsg();
  if (!detail.empty()) text += (text.empty() ? "" : ": ") + detail;
  return text;
}

inline std::string error_text(int error) { return std::error_code(error, std::generic_category()).message(); }

// No object carries its access, modification, change or birth time, so equal content gives equal bytes.
inline void untrack_times(const H5::PropList& plist) {
  if (H5Pset_obj_track_times(plist.getId(), false) < 0) {
    throw H5::PropListIException("untrack_times", "H5Pset_obj_track_times failed");
  }
}

// Variable-length UTF-8 strings: h5py reads them as str in attributes and bytes in table rows.
inline H5::StrType utf8_string() {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  return type;
}

// The C++ API of HDF5 1.10 cannot pass a group creation property list, which is where time tracking is turned
// off: create the group through the C API and wrap it.
inline H5::Group create_group(const H5::Group& parent, const std::string& name) {
  const H5::PropList gcpl(H5P_GROUP_CREATE);
  untrack_times(gcpl);
  const hid_t id = H5Gcreate2(parent.getId(), name.c_str(), H5P_DEFAULT, gcpl.getId(), H5P_DEFAULT);
  if (id < 0) throw H5::GroupIException("create_group", "cannot create group '" + name + "'");
  H5::Group group(id);  // holds its own reference
  H5Gclose(id);
  return group;
}

// Scalar attributes: a UTF-8 string, a little-endian uint64 or float64.
inline void write_attribute(const H5::H5Object& at, const std::string& name, const std::string& value) {
  const H5::StrType type = utf8_string();
  at.createAttribute(name, type, H5::DataSpace(H5S_SCALAR)).write(type, value);
}

inline void write_attribute(const H5::H5Object& at, const std::string& name, std::uint64_t value) {
  at.createAttribute(name, H5::PredType::STD_U64LE, H5::DataSpace(H5S_SCALAR))
      .write(H5::PredType::NATIVE_UINT64, &value);
}

inline void write_attribute(const H5::H5Object& at, const std::string& name, double value) {
  at.createAttribute(name, H5::PredType::IEEE_F64LE, H5::DataSpace(H5S_SCALAR))
      .write(H5::PredType::NATIVE_DOUBLE, &value);
}

// Flushes a written file (or, with O_DIRECTORY, a directory entry) to the disk before it is published.
inline bool sync_to_disk(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Publishes the complete, closed `tmp` as `path`: flushed, then renamed (atomic: readers see the old file or the
// new one), then the directory flushed so that the rename itself is durable (a file system that cannot sync a
// directory still has the complete file). On failure removes `tmp` and throws std::runtime_error starting with
// `where`.
inline void publish(const std::filesystem::path& tmp, const std::filesystem::path& path, const std::string& where) {
  std::error_code ignored;
  if (!sync_to_disk(tmp, O_RDONLY | O_CLOEXEC)) {
    const int error = errno;
    std::filesystem::remove(tmp, ignored);
    throw std::runtime_error(where + "cannot flush '" + tmp.string() + "': " + error_text(error));
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  if (error) {
    std::filesystem::remove(tmp, ignored);
    throw std::runtime_error(where + "cannot rename '" + tmp.string() + "' to it: " + error.message());
  }
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  sync_to_disk(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

}  // namespace poolsim::hdf5
