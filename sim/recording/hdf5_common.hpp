// What both HDF5 writers of the recording layer share (hdf5_timeline.cpp: a run's file; hdf5_tables.cpp: batch
// and size files): no object times, UTF-8 strings, scalar attributes, and writing the file in a
// child process (hdf5_common.cpp). Private to sim/recording (HDF5 types appear here). The temporary file and its
// publication as PATH: poolsim/recording/output_file.hpp.
#pragma once

#include <H5Cpp.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

namespace poolsim::hdf5 {

// Chunked tables (a run's /events, every batch and size table): rows of a few tens of bytes on disk, so 1024 of
// them make a chunk of a few tens of KiB, the size HDF5's chunk cache and deflate work well with; shuffle and
// deflate (gzip) level 6, filters that every HDF5 build and h5py have.
constexpr hsize_t chunk_rows = 1024;
constexpr int deflate_level = 6;

// An HDF5 exception as one line: the failing function and its detail.
inline std::string describe(const H5::Exception& e) {
  std::string text = e.getFuncName();
  const std::string detail = e.getDetailMsg();
  if (!detail.empty()) text += (text.empty() ? "" : ": ") + detail;
  return text;
}

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

// Fills the HDF5 file at `tmp` (an existing temporary: `write` creates it with H5F_ACC_TRUNC, fills and closes it)
// in a child process, and waits for it. A write that fails inside HDF5 (a full disk) leaves the library unable to
// close the file: every later close fails again and the library loops or crashes at exit (issue 21). The child
// ends with its HDF5 state, so this process never holds a file that failed. HDF5's error stack is not printed: the
// first error is mapped into the message (the system's reason when HDF5 gives one). Throws OutputError starting
// with `where` when the child reports an error or dies.
void write_in_child(const std::filesystem::path& tmp, const std::string& where, const std::function<void()>& write);

}  // namespace poolsim::hdf5
