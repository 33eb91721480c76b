#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "base/aligned_buffer.h"
#include "base/log.h"
#include "formats/gguf.h"

namespace omni {
namespace {

class FileSink {
 public:
  explicit FileSink(FILE* f) : f_(f) {}
  bool ok() const { return ok_; }
  uint64_t pos() const { return pos_; }
  void bytes(const void* p, size_t n) {
    if (ok_ && n && std::fwrite(p, 1, n, f_) != n) ok_ = false;
    pos_ += n;
  }
  template <typename T>
  void pod(T v) {
    bytes(&v, sizeof(T));
  }
  void str(const std::string& s) {
    pod<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  void pad_to(uint64_t alignment) {
    static const uint8_t zeros[64] = {};
    while (pos_ % alignment)
      bytes(zeros, std::min<uint64_t>(sizeof(zeros), alignment - pos_ % alignment));
  }

 private:
  FILE* f_;
  bool ok_ = true;
  uint64_t pos_ = 0;
};

void write_value(FileSink& out, const GgufValue& v) {
  switch (v.type) {
    case GgufType::kUint8:
      out.pod<uint8_t>(uint8_t(v.i));
      break;
    case GgufType::kInt8:
      out.pod<int8_t>(int8_t(v.i));
      break;
    case GgufType::kUint16:
      out.pod<uint16_t>(uint16_t(v.i));
      break;
    case GgufType::kInt16:
      out.pod<int16_t>(int16_t(v.i));
      break;
    case GgufType::kUint32:
      out.pod<uint32_t>(uint32_t(v.i));
      break;
    case GgufType::kInt32:
      out.pod<int32_t>(int32_t(v.i));
      break;
    case GgufType::kUint64:
      out.pod<uint64_t>(uint64_t(v.i));
      break;
    case GgufType::kInt64:
      out.pod<int64_t>(v.i);
      break;
    case GgufType::kFloat32:
      out.pod<float>(float(v.f));
      break;
    case GgufType::kFloat64:
      out.pod<double>(v.f);
      break;
    case GgufType::kBool:
      out.pod<uint8_t>(v.i ? 1 : 0);
      break;
    case GgufType::kString:
      out.str(v.str);
      break;
    case GgufType::kArray:
      out.pod<uint32_t>(uint32_t(v.elem_type));
      out.pod<uint64_t>(v.array.size());
      for (const GgufValue& e : v.array) write_value(out, e);
      break;
  }
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& [k, v] : kv_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  kv_.emplace_back(key, std::move(value));
}

void GgufWriter::erase(const std::string& key) {
  std::erase_if(kv_, [&](const auto& kv) { return kv.first == key; });
}

const GgufValue* GgufWriter::find(std::string_view key) const {
  for (const auto& [k, v] : kv_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Status GgufWriter::add_tensor(const std::string& name, DType type, const std::vector<int64_t>& ne,
                              Producer produce) {
  const DTypeInfo* ti = dtype_info(uint32_t(type));
  if (ne.empty() || ne.size() > size_t(kMaxDims)) {
    return InvalidArgument("tensor '%s': %zu dimensions (1 to %d supported)", name.c_str(),
                           ne.size(), kMaxDims);
  }
  if (ne[0] % ti->block_size != 0) {
    return InvalidArgument("tensor '%s': row length %lld is not a multiple of %s's block size %lld",
                           name.c_str(), (long long)ne[0], ti->name, (long long)ti->block_size);
  }
  for (const auto& t : tensors_) {
    if (t.name == name) return InvalidArgument("tensor '%s' added twice", name.c_str());
  }
  size_t rows = 1;
  for (size_t d = 1; d < ne.size(); ++d) rows *= size_t(ne[d]);
  tensors_.push_back({name, type, ne, row_bytes(type, ne[0]) * rows, std::move(produce)});
  return Status::Ok();
}

Status GgufWriter::write(const std::string& path, const char* progress_label) const {
  const std::string tmp = path + ".tmp";
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(tmp.c_str(), "wb"), std::fclose);
  if (!f) return IoError("%s: cannot create: %s", tmp.c_str(), std::strerror(errno));
  FileSink out(f.get());

  std::vector<std::pair<std::string, GgufValue>> kv = kv_;
  // general.alignment always states the alignment actually used.
  if (alignment_ != kGgufDefaultAlignment || find("general.alignment")) {
    auto it = std::find_if(kv.begin(), kv.end(),
                           [](const auto& e) { return e.first == "general.alignment"; });
    if (it != kv.end())
      it->second = GgufValue::u32(alignment_);
    else
      kv.emplace_back("general.alignment", GgufValue::u32(alignment_));
  }

  out.bytes("GGUF", 4);
  out.pod<uint32_t>(3);
  out.pod<uint64_t>(tensors_.size());
  out.pod<uint64_t>(kv.size());
  for (const auto& [k, v] : kv) {
    out.str(k);
    out.pod<uint32_t>(uint32_t(v.type));
    write_value(out, v);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    out.str(t.name);
    out.pod<uint32_t>(uint32_t(t.ne.size()));
    for (int64_t n : t.ne) out.pod<uint64_t>(uint64_t(n));
    out.pod<uint32_t>(uint32_t(t.type));
    out.pod<uint64_t>(offset);
    offset = (offset + t.n_bytes + alignment_ - 1) / alignment_ * alignment_;
  }
  out.pad_to(alignment_);

  size_t done = 0;
  for (const auto& t : tensors_) {
    AlignedBuffer<uint8_t> buf(t.n_bytes);
    Status s = t.produce(buf.data(), t.n_bytes);
    if (!s.ok()) {
      f.reset();
      std::remove(tmp.c_str());
      return s.with_context("tensor '" + t.name + "'");
    }
    out.bytes(buf.data(), t.n_bytes);
    out.pad_to(alignment_);
    if (progress_label) log_progress(progress_label, (long long)++done, (long long)tensors_.size());
  }
  if (progress_label && !tensors_.empty()) progress_done();
  const bool flushed = std::fflush(f.get()) == 0 && out.ok();
  const int close_rc = std::fclose(f.release());
  if (!flushed || close_rc != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return IoError("%s: write failed: %s (is the disk full?)", path.c_str(), std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace omni
