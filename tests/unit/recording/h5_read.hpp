// Reading poolsim's HDF5 files back with the HDF5 C API (not the writer's C++ API), as a notebook would: for the
// tests of the recorder and of what the recorded state tables say against the model's ground truth.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace poolsim::h5read {

// An HDF5 identifier closed by `close` when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {
    if (id_ < 0) throw std::runtime_error("HDF5 call failed");
  }
  ~Handle() { close_(id_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

inline hid_t string_type() {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

inline std::string string_attribute(hid_t object, const char* name) {
  const Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  const Handle type(string_type(), H5Tclose);
  char* value = nullptr;
  EXPECT_GE(H5Aread(attribute.get(), type.get(), &value), 0);
  std::string got = value ? value : "";
  H5free_memory(value);
  return got;
}

template <class T>
T number_attribute(hid_t object, const char* name, hid_t memory_type) {
  const Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  T value{};
  EXPECT_GE(H5Aread(attribute.get(), memory_type, &value), 0);
  return value;
}

// A column of a table to read: its name, its place in the row struct, and 'd'ouble, 'u'int64 or 's'tring.
struct Column {
  const char* name;
  std::size_t offset;
  char type;
};

// Reads a whole compound table into rows whose strings are copied into `strings` (one vector per row).
template <class Row>
std::vector<Row> read_table(hid_t file, const char* path, const std::vector<Column>& columns,
                            std::vector<std::vector<std::string>>& strings) {
  const Handle dataset(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  const Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const Handle str(string_type(), H5Tclose);
  const Handle memory(H5Tcreate(H5T_COMPOUND, sizeof(Row)), H5Tclose);
  for (const Column& c : columns) {
    const hid_t member = c.type == 'd' ? H5T_NATIVE_DOUBLE : c.type == 'u' ? H5T_NATIVE_UINT64 : str.get();
    H5Tinsert(memory.get(), c.name, c.offset, member);
  }
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<Row> rows(static_cast<std::size_t>(n));
  if (n > 0) {
    EXPECT_GE(H5Dread(dataset.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), 0);
  }
  strings.clear();
  for (Row& row : rows) {
    std::vector<std::string> texts;
    for (const Column& c : columns) {
      if (c.type != 's') continue;
      char* const* p = reinterpret_cast<char* const*>(reinterpret_cast<const char*>(&row) + c.offset);
      texts.emplace_back(*p ? *p : "");
    }
    strings.push_back(texts);
  }
  if (n > 0) H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, rows.data());
  return rows;
}

struct EventRow {
  double time_s;
  std::uint64_t seq;
  char* source;
  char* event;
  char* details;
};
inline const std::vector<Column> event_columns = {{"time_s", offsetof(EventRow, time_s), 'd'},
                                           {"seq", offsetof(EventRow, seq), 'u'},
                                           {"source", offsetof(EventRow, source), 's'},
                                           {"event", offsetof(EventRow, event), 's'},
                                           {"details", offsetof(EventRow, details), 's'}};

struct IntervalRow {
  double start_s;
  double end_s;
  char* state;
};
inline const std::vector<Column> interval_columns = {{"start_s", offsetof(IntervalRow, start_s), 'd'},
                                              {"end_s", offsetof(IntervalRow, end_s), 'd'},
                                              {"state", offsetof(IntervalRow, state), 's'}};

// Intervals as "start-end:state" text, for one-line comparisons.
inline std::string intervals(hid_t file, const char* path) {
  std::vector<std::vector<std::string>> strings;
  const std::vector<IntervalRow> rows = read_table<IntervalRow>(file, path, interval_columns, strings);
  std::ostringstream out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out << (i ? " " : "") << rows[i].start_s << "-" << rows[i].end_s << ":" << strings[i][0];
  }
  return out.str();
}

struct VmSummaryRow {
  char* name;
  double downtime_s;
  std::uint64_t restarts;
  char* final_state;
};
inline const std::vector<Column> vm_summary_columns = {{"name", offsetof(VmSummaryRow, name), 's'},
                                                     {"downtime_s", offsetof(VmSummaryRow, downtime_s), 'd'},
                                                     {"restarts", offsetof(VmSummaryRow, restarts), 'u'},
                                                     {"final_state", offsetof(VmSummaryRow, final_state), 's'}};
struct HostSummaryRow {
  char* name;
  std::uint64_t fences;
  char* final_state;
};
inline const std::vector<Column> host_summary_columns = {{"name", offsetof(HostSummaryRow, name), 's'},
                                                       {"fences", offsetof(HostSummaryRow, fences), 'u'},
                                                       {"final_state", offsetof(HostSummaryRow, final_state), 's'}};
struct AlertSummaryRow {
  char* name;
  std::uint64_t count;
  double first_s;
};

}  // namespace poolsim::h5read
