// Reading poolsim's HDF5 files through the HDF5 C API (include/poolsim/recording/hdf5_reader.hpp). Errors are
// returned, never printed: the automatic error stack printing is off while a reader is open.
#include "poolsim/recording/hdf5_reader.hpp"

#include <H5Cpp.h>

#include <system_error>

namespace poolsim {
namespace {

// Closes an HDF5 identifier of any kind when it goes out of scope.
class Id {
 public:
  explicit Id(hid_t id = -1) : id_(id) {}
  ~Id() {
    if (id_ >= 0) H5Idec_ref(id_);
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
};

// Whether every link on the way to `object` exists (H5Lexists fails on a missing intermediate group).
bool exists(hid_t file, const std::string& object) {
  if (object.empty() || object == "/") return true;
  std::string prefix;
  std::size_t begin = object.front() == '/' ? 1 : 0;
  prefix = begin ? "/" : "";
  while (begin <= object.size()) {
    const std::size_t end = std::min(object.find('/', begin), object.size());
    if (end == begin) break;
    prefix += object.substr(begin, end - begin);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (H5Oexists_by_name(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    prefix += '/';
    begin = end + 1;
  }
  return true;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

}  // namespace

struct Hdf5Reader::Impl {
  hid_t file = -1;
  H5E_auto2_t old_func = nullptr;
  void* old_data = nullptr;
};

Hdf5Reader::Hdf5Reader(const std::filesystem::path& path) : path_(path), impl_(std::make_unique<Impl>()) {
  std::error_code ec;
  const std::string name = path.string();
  if (!std::filesystem::exists(path, ec)) throw Hdf5ReadError(name + ": no such file; check the path");
  if (std::filesystem::is_directory(path, ec)) throw Hdf5ReadError(name + ": is a directory, not an HDF5 file");
  H5Eget_auto2(H5E_DEFAULT, &impl_->old_func, &impl_->old_data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (H5Fis_hdf5(name.c_str()) <= 0) {
    H5Eset_auto2(H5E_DEFAULT, impl_->old_func, impl_->old_data);
    throw Hdf5ReadError(name + ": not an HDF5 file (poolsim writes one with 'run --h5', 'batch --out' or 'size --h5')");
  }
  impl_->file = H5Fopen(name.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (impl_->file < 0) {
    H5Eset_auto2(H5E_DEFAULT, impl_->old_func, impl_->old_data);
    throw Hdf5ReadError(name + ": cannot open the HDF5 file; check that it is readable and complete");
  }
}

Hdf5Reader::~Hdf5Reader() {
  if (impl_->file >= 0) H5Fclose(impl_->file);
  H5Eset_auto2(H5E_DEFAULT, impl_->old_func, impl_->old_data);
}

bool Hdf5Reader::has(const std::string& object) const { return exists(impl_->file, object); }

bool Hdf5Reader::is_group(const std::string& object) const {
  if (!has(object)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(impl_->file, object.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_GROUP;
}

std::vector<std::string> Hdf5Reader::members(const std::string& group) const {
  if (!is_group(group)) throw Hdf5ReadError(path_.string() + ": no group /" + group);
  const Id g(H5Gopen2(impl_->file, group.c_str(), H5P_DEFAULT));
  std::vector<std::string> names;
  hsize_t index = 0;
  if (!g.ok() || H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_name, &names) < 0) {
    throw Hdf5ReadError(path_.string() + ": cannot list group /" + group);
  }
  return names;
}

std::optional<Hdf5Value> Hdf5Reader::attribute(const std::string& object, const std::string& name) const {
  if (!has(object)) return std::nullopt;
  if (H5Aexists_by_name(impl_->file, object.c_str(), name.c_str(), H5P_DEFAULT) <= 0) return std::nullopt;
  const Id attr(H5Aopen_by_name(impl_->file, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.ok()) return std::nullopt;
  const Id space(H5Aget_space(attr.get()));
  if (H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) return std::nullopt;
  const Id type(H5Aget_type(attr.get()));
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: {
      std::uint64_t v = 0;
      if (H5Aread(attr.get(), H5T_NATIVE_UINT64, &v) < 0) return std::nullopt;
      return v;
    }
    case H5T_FLOAT: {
      double v = 0;
      if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) < 0) return std::nullopt;
      return v;
    }
    case H5T_STRING: {
      if (H5Tis_variable_str(type.get()) > 0) {
        const Id mem(H5Tcopy(H5T_C_S1));
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        char* text = nullptr;
        if (H5Aread(attr.get(), mem.get(), &text) < 0) return std::nullopt;
        std::string out = text ? text : "";
        H5free_memory(text);
        return out;
      }
      const std::size_t size = H5Tget_size(type.get());
      std::string out(size, '\0');
      if (H5Aread(attr.get(), type.get(), out.data()) < 0) return std::nullopt;
      while (!out.empty() && out.back() == '\0') out.pop_back();
      return out;
    }
    default:
      return std::nullopt;
  }
}

Hdf5Table Hdf5Reader::table(const std::string& object) const {
  const std::string where = path_.string() + ": /" + object;
  if (!has(object) || is_group(object)) throw Hdf5ReadError(where + ": no such table");
  const Id set(H5Dopen2(impl_->file, object.c_str(), H5P_DEFAULT));
  if (!set.ok()) throw Hdf5ReadError(where + ": cannot open the table");
  const Id type(H5Dget_type(set.get()));
  const Id space(H5Dget_space(set.get()));
  if (H5Tget_class(type.get()) != H5T_COMPOUND || H5Sget_simple_extent_ndims(space.get()) != 1) {
    throw Hdf5ReadError(where + ": not a one-dimensional compound table");
  }
  hsize_t rows = 0;
  H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  Hdf5Table out;
  out.path = object;
  const int members = H5Tget_nmembers(type.get());
  for (int m = 0; m < members; ++m) {
    char* raw = H5Tget_member_name(type.get(), static_cast<unsigned>(m));
    const std::string name = raw ? raw : "";
    H5free_memory(raw);
    const H5T_class_t cls = H5Tget_member_class(type.get(), static_cast<unsigned>(m));
    // A memory type holding this one member, so that each column is read on its own.
    auto read_member = [&](hid_t member_type, std::size_t size, void* buffer) {
      const Id mem(H5Tcreate(H5T_COMPOUND, size));
      H5Tinsert(mem.get(), name.c_str(), 0, member_type);
      if (H5Dread(set.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer) < 0) {
        throw Hdf5ReadError(where + ": cannot read column '" + name + "'");
      }
      return H5Tcopy(mem.get());
    };
    if (cls == H5T_FLOAT) {
      std::vector<double> values(rows);
      Id done(read_member(H5T_NATIVE_DOUBLE, sizeof(double), values.data()));
      out.columns.push_back({name, std::move(values)});
    } else if (cls == H5T_INTEGER) {
      std::vector<std::uint64_t> values(rows);
      Id done(read_member(H5T_NATIVE_UINT64, sizeof(std::uint64_t), values.data()));
      out.columns.push_back({name, std::move(values)});
    } else if (cls == H5T_STRING) {
      const Id str(H5Tcopy(H5T_C_S1));
      H5Tset_size(str.get(), H5T_VARIABLE);
      H5Tset_cset(str.get(), H5T_CSET_UTF8);
      std::vector<char*> raw_values(rows, nullptr);
      const Id mem(read_member(str.get(), sizeof(char*), raw_values.data()));
      std::vector<std::string> values;
      values.reserve(rows);
      for (char* v : raw_values) values.emplace_back(v ? v : "");
      H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, raw_values.data());
      out.columns.push_back({name, std::move(values)});
    } else {
      throw Hdf5ReadError(where + ": column '" + name + "' is neither a number nor a string");
    }
  }
  return out;
}

namespace {
template <typename T>
const std::vector<T>* column_as(const Hdf5Table& table, std::string_view name) {
  for (const Hdf5Column& c : table.columns) {
    if (c.name == name) return std::get_if<std::vector<T>>(&c.values);
  }
  return nullptr;
}
}  // namespace

const std::vector<double>* column_doubles(const Hdf5Table& table, std::string_view name) {
  return column_as<double>(table, name);
}
const std::vector<std::uint64_t>* column_counts(const Hdf5Table& table, std::string_view name) {
  return column_as<std::uint64_t>(table, name);
}
const std::vector<std::string>* column_strings(const Hdf5Table& table, std::string_view name) {
  return column_as<std::string>(table, name);
}

std::size_t row_count(const Hdf5Table& table) {
  if (table.columns.empty()) return 0;
  return std::visit([](const auto& v) { return v.size(); }, table.columns.front().values);
}

}  // namespace poolsim
