#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "formats/gguf.h"

namespace omni {
namespace {

constexpr uint64_t kMaxStringBytes = uint64_t(1)
                                     << 30;  // 1 GiB; a sane metadata string is far smaller
constexpr int kMaxArrayDepth = 8;
constexpr uint64_t kMaxTensorNameBytes = 256;

// A bounds-checked little-endian cursor over the file's bytes. Every read either succeeds or
// returns a Status naming what was being read and where.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  template <typename T>
  Status read(T* out, const char* what) {
    if (remaining() < sizeof(T)) return truncated(what);
    std::memcpy(out, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }

  Status read_string(std::string* out, const char* what, uint64_t max_bytes = kMaxStringBytes) {
    uint64_t n;
    OMNI_RETURN_IF_ERROR(read(&n, what));
    if (n > max_bytes) {
      return Corrupt("%s at byte %zu has length %llu (limit %llu)", what, pos_ - 8,
                     (unsigned long long)n, (unsigned long long)max_bytes);
    }
    if (n > remaining()) return truncated(what);
    out->assign(reinterpret_cast<const char*>(data_ + pos_), size_t(n));
    pos_ += size_t(n);
    return Status::Ok();
  }

  Status truncated(const char* what) const {
    return Corrupt("file ends at byte %zu while reading %s (truncated file?)", size_, what);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

Status read_value(Cursor& c, GgufType type, GgufValue* v, int depth);

Status read_scalar(Cursor& c, GgufType type, GgufValue* v) {
  v->type = type;
  switch (type) {
    case GgufType::kUint8: {
      uint8_t x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "a uint8 value"));
      v->i = x;
      break;
    }
    case GgufType::kInt8: {
      int8_t x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "an int8 value"));
      v->i = x;
      break;
    }
    case GgufType::kUint16: {
      uint16_t x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "a uint16 value"));
      v->i = x;
      break;
    }
    case GgufType::kInt16: {
      int16_t x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "an int16 value"));
      v->i = x;
      break;
    }
    case GgufType::kUint32: {
      uint32_t x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "a uint32 value"));
      v->i = x;
      break;
    }
    case GgufType::kInt32: {
      int32_t x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "an int32 value"));
      v->i = x;
      break;
    }
    case GgufType::kUint64: {
      uint64_t x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "a uint64 value"));
      v->i = int64_t(x);
      break;
    }
    case GgufType::kInt64: {
      int64_t x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "an int64 value"));
      v->i = x;
      break;
    }
    case GgufType::kFloat32: {
      float x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "a float32 value"));
      v->f = x;
      break;
    }
    case GgufType::kFloat64: {
      double x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "a float64 value"));
      v->f = x;
      break;
    }
    case GgufType::kBool: {
      uint8_t x;
      OMNI_RETURN_IF_ERROR(c.read(&x, "a bool value"));
      if (x > 1) return Corrupt("bool value at byte %zu is %u (must be 0 or 1)", c.pos() - 1, x);
      v->i = x;
      break;
    }
    case GgufType::kString:
      return c.read_string(&v->str, "a string value");
    default:
      return Corrupt("unknown value type %u", uint32_t(type));
  }
  return Status::Ok();
}

Status read_value(Cursor& c, GgufType type, GgufValue* v, int depth) {
  if (type != GgufType::kArray) return read_scalar(c, type, v);
  if (depth >= kMaxArrayDepth)
    return Corrupt("arrays nested deeper than %d levels", kMaxArrayDepth);
  uint32_t elem = 0;
  uint64_t n = 0;
  OMNI_RETURN_IF_ERROR(c.read(&elem, "an array's element type"));
  OMNI_RETURN_IF_ERROR(c.read(&n, "an array's length"));
  if (elem > uint32_t(GgufType::kFloat64)) {
    return Corrupt("array at byte %zu has unknown element type %u", c.pos() - 12, elem);
  }
  // Every element occupies at least one byte (strings 8, nested arrays 12): a count larger than
  // the bytes left is a lie, and is caught before anything is allocated for it.
  const GgufType et = GgufType(elem);
  const size_t min_elem = et == GgufType::kString  ? 8
                          : et == GgufType::kArray ? 12
                                                   : gguf_scalar_size(et);
  if (n > c.remaining() / min_elem) {
    return Corrupt("array at byte %zu claims %llu elements of %s but only %zu bytes remain",
                   c.pos() - 12, (unsigned long long)n, gguf_type_name(et), c.remaining());
  }
  v->type = GgufType::kArray;
  v->elem_type = et;
  v->array.resize(size_t(n));
  for (auto& e : v->array) OMNI_RETURN_IF_ERROR(read_value(c, et, &e, depth + 1));
  return Status::Ok();
}

bool is_power_of_two(uint64_t x) {
  return x && !(x & (x - 1));
}

}  // namespace

StatusOr<GgufFile> GgufFile::open(const std::string& path) {
  OMNI_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  OMNI_ASSIGN_OR_RETURN(GgufFile gguf, parse(file.data(), file.size(), path));
  gguf.file_ = std::move(file);  // the mapping's address does not change when moved
  return gguf;
}

StatusOr<GgufFile> GgufFile::parse(const uint8_t* data, size_t size, const std::string& label) {
  auto fail = [&](const Status& s) { return s.with_context(label); };
  GgufFile g;
  g.label_ = label;
  Cursor c(data, size);

  char magic[4];
  if (size < 4) return fail(Corrupt("only %zu bytes; not a GGUF file", size));
  std::memcpy(magic, data, 4);
  if (std::memcmp(magic, "GGUF", 4) != 0) {
    return fail(Corrupt("not a GGUF file (the first bytes are not \"GGUF\")"));
  }
  uint32_t skip;
  OMNI_RETURN_IF_ERROR(c.read(&skip, "the magic"));
  OMNI_RETURN_IF_ERROR(fail(c.read(&g.version_, "the version")));
  if (g.version_ == 0x03000000u || g.version_ == 0x02000000u) {
    return fail(Unsupported("big-endian GGUF; convert the file to little-endian"));
  }
  if (g.version_ != 2 && g.version_ != 3) {
    return fail(Unsupported("GGUF version %u; this reader supports versions 2 and 3", g.version_));
  }
  uint64_t n_tensors = 0, n_kv = 0;
  OMNI_RETURN_IF_ERROR(fail(c.read(&n_tensors, "the tensor count")));
  OMNI_RETURN_IF_ERROR(fail(c.read(&n_kv, "the metadata count")));
  // Each key/value takes at least 13 bytes and each tensor info at least 24.
  if (n_kv > c.remaining() / 13) {
    return fail(Corrupt("header claims %llu metadata entries, more than the file can hold",
                        (unsigned long long)n_kv));
  }
  if (n_tensors > c.remaining() / 24) {
    return fail(Corrupt("header claims %llu tensors, more than the file can hold",
                        (unsigned long long)n_tensors));
  }

  std::unordered_set<std::string> keys;
  g.kv_.reserve(size_t(n_kv));
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key;
    uint32_t type = 0;
    OMNI_RETURN_IF_ERROR(fail(c.read_string(&key, "a metadata key", 65535)));
    OMNI_RETURN_IF_ERROR(fail(c.read(&type, "a metadata value type")));
    if (type > uint32_t(GgufType::kFloat64)) {
      return fail(Corrupt("metadata '%s' has unknown value type %u", key.c_str(), type));
    }
    GgufValue v;
    Status s = read_value(c, GgufType(type), &v, 0);
    if (!s.ok()) return fail(s.with_context("metadata '" + key + "'"));
    if (!keys.insert(key).second)
      return fail(Corrupt("metadata key '%s' appears twice", key.c_str()));
    g.kv_.emplace_back(std::move(key), std::move(v));
  }

  if (const GgufValue* a = g.find("general.alignment")) {
    if (a->type != GgufType::kUint32) {
      return fail(
          Corrupt("general.alignment has type %s (must be uint32)", gguf_type_name(a->type)));
    }
    if (!is_power_of_two(uint64_t(a->i))) {
      return fail(Corrupt("general.alignment is %lld (must be a power of two)", (long long)a->i));
    }
    if (a->i < 8 || a->i > (1 << 20)) {
      return fail(
          Unsupported("general.alignment %lld; this reader needs 8 to 1048576", (long long)a->i));
    }
    g.alignment_ = uint32_t(a->i);
  }

  std::unordered_set<std::string> names;
  g.tensors_.resize(size_t(n_tensors));
  for (auto& t : g.tensors_) {
    OMNI_RETURN_IF_ERROR(fail(c.read_string(&t.name, "a tensor name", kMaxTensorNameBytes)));
    const std::string ctx = "tensor '" + t.name + "'";
    uint32_t n_dims = 0, type = 0;
    OMNI_RETURN_IF_ERROR(fail(c.read(&n_dims, "a tensor's dimension count")));
    if (n_dims < 1 || n_dims > uint32_t(kMaxDims)) {
      return fail(
          Corrupt("%s has %u dimensions (1 to %d supported)", ctx.c_str(), n_dims, kMaxDims));
    }
    t.view.n_dims = int(n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t ne = 0;
      OMNI_RETURN_IF_ERROR(fail(c.read(&ne, "a tensor dimension")));
      if (ne == 0 || ne > (uint64_t(1) << 40)) {
        return fail(
            Corrupt("%s has dimension %u of size %llu", ctx.c_str(), d, (unsigned long long)ne));
      }
      t.view.ne[d] = int64_t(ne);
    }
    OMNI_RETURN_IF_ERROR(fail(c.read(&type, "a tensor type")));
    OMNI_RETURN_IF_ERROR(fail(c.read(&t.offset, "a tensor offset")));
    const DTypeInfo* ti = dtype_info(type);
    if (!ti) return fail(Corrupt("%s has unknown type id %u", ctx.c_str(), type));
    t.view.type = DType(type);
    if (t.view.ne[0] % ti->block_size != 0) {
      return fail(Corrupt("%s: row length %lld is not a multiple of %s's block size %lld",
                          ctx.c_str(), (long long)t.view.ne[0], ti->name,
                          (long long)ti->block_size));
    }
    // Element count must not overflow: each factor is < 2^40, check the running product.
    unsigned __int128 count = 1;
    for (int d = 0; d < kMaxDims; ++d) count *= uint64_t(t.view.ne[size_t(d)]);
    if (count > (uint64_t(1) << 48))
      return fail(Corrupt("%s has an absurd element count", ctx.c_str()));
    if (!names.insert(t.name).second)
      return fail(Corrupt("tensor name '%s' appears twice", t.name.c_str()));
  }

  const uint64_t header_end = c.pos();
  g.data_offset_ = (header_end + g.alignment_ - 1) / g.alignment_ * g.alignment_;
  if (n_tensors > 0 && g.data_offset_ > size) {
    return fail(
        Corrupt("the data section would start at byte %llu, past the end of the file (%zu bytes)",
                (unsigned long long)g.data_offset_, size));
  }
  const uint64_t data_size = g.data_offset_ <= size ? size - g.data_offset_ : 0;

  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // [begin, end) in the data section
  for (auto& t : g.tensors_) {
    const std::string ctx = "tensor '" + t.name + "'";
    if (t.offset % g.alignment_ != 0) {
      return fail(Corrupt("%s: offset %llu is not a multiple of the alignment %u", ctx.c_str(),
                          (unsigned long long)t.offset, g.alignment_));
    }
    const uint64_t n_bytes = row_bytes(t.view.type, t.view.ne[0]) * uint64_t(t.view.n_rows());
    if (t.offset > data_size || n_bytes > data_size - t.offset) {
      return fail(
          Corrupt("%s: data [%llu, %llu) lies outside the data section (%llu bytes); "
                  "the file is truncated or damaged",
                  ctx.c_str(), (unsigned long long)t.offset,
                  (unsigned long long)(t.offset + n_bytes), (unsigned long long)data_size));
    }
    t.view = make_contiguous_view(t.view.type, t.view.n_dims, t.view.ne.data(),
                                  data + g.data_offset_ + t.offset);
    ranges.emplace_back(t.offset, t.offset + n_bytes);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t k = 1; k < ranges.size(); ++k) {
    if (ranges[k].first < ranges[k - 1].second) {
      return fail(Corrupt("two tensors' data overlap at data offset %llu",
                          (unsigned long long)ranges[k].first));
    }
  }
  return g;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  for (const auto& [k, v] : kv_) {
    if (k == key) return &v;
  }
  return nullptr;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void GgufFile::release_metadata() {
  std::vector<std::pair<std::string, GgufValue>>().swap(kv_);
  file_.release(0, size_t(data_offset_));  // the header, metadata and tensor infos
}

void GgufFile::release_data(const TensorView& t) {
  file_.release_bytes(t.data, t.n_bytes());
}

StatusOr<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v)
    return NotFound("%s: metadata key '%.*s' is missing", label_.c_str(), int(key.size()),
                    key.data());
  if (v->type != GgufType::kString) {
    return Corrupt("%s: metadata '%.*s' is %s, expected string", label_.c_str(), int(key.size()),
                   key.data(), gguf_type_name(v->type));
  }
  return v->str;
}

StatusOr<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v)
    return NotFound("%s: metadata key '%.*s' is missing", label_.c_str(), int(key.size()),
                    key.data());
  if (!v->is_integer()) {
    return Corrupt("%s: metadata '%.*s' is %s, expected an integer", label_.c_str(),
                   int(key.size()), key.data(), gguf_type_name(v->type));
  }
  return v->i;
}

StatusOr<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v)
    return NotFound("%s: metadata key '%.*s' is missing", label_.c_str(), int(key.size()),
                    key.data());
  if (v->is_float()) return v->f;
  if (v->is_integer()) return double(v->i);
  return Corrupt("%s: metadata '%.*s' is %s, expected a number", label_.c_str(), int(key.size()),
                 key.data(), gguf_type_name(v->type));
}

int64_t GgufFile::get_int_or(std::string_view key, int64_t fallback) const {
  const GgufValue* v = find(key);
  return v && v->is_integer() ? v->i : fallback;
}

double GgufFile::get_float_or(std::string_view key, double fallback) const {
  const GgufValue* v = find(key);
  if (v && v->is_float()) return v->f;
  if (v && v->is_integer()) return double(v->i);
  return fallback;
}

}  // namespace omni
