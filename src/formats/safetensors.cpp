#include "formats/safetensors.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

namespace omni {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the format's own limit

struct DtypeEntry {
  const char* name;
  DType type;
};
constexpr DtypeEntry kDtypes[] = {{"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16}};

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}
std::string dirname_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

Status parse_tensor(const std::string& name, const nlohmann::json& entry, const uint8_t* data,
                    uint64_t data_size, SafetensorsTensor* t) {
  if (!entry.is_object()) return Corrupt("entry is not an object");
  auto dtype = entry.find("dtype");
  auto shape = entry.find("shape");
  auto offsets = entry.find("data_offsets");
  if (dtype == entry.end() || !dtype->is_string()) return Corrupt("missing string \"dtype\"");
  if (shape == entry.end() || !shape->is_array()) return Corrupt("missing array \"shape\"");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    return Corrupt("\"data_offsets\" must be two non-negative integers");
  }
  t->name = name;
  t->dtype = dtype->get<std::string>();
  const DtypeEntry* known = nullptr;
  for (const auto& d : kDtypes) {
    if (t->dtype == d.name) known = &d;
  }
  if (!known)
    return Unsupported("dtype %s (this reader handles F32, F16 and BF16)", t->dtype.c_str());
  if (shape->size() > size_t(kMaxDims))
    return Unsupported("%zu dimensions (at most %d)", shape->size(), kMaxDims);
  uint64_t count = 1;
  for (const auto& d : *shape) {
    if (!d.is_number_unsigned()) return Corrupt("shape entries must be non-negative integers");
    const uint64_t n = d.get<uint64_t>();
    if (n == 0 || n > (uint64_t(1) << 40) || count > (uint64_t(1) << 48) / n) {
      return Corrupt("shape entry %llu is zero or absurd", (unsigned long long)n);
    }
    count *= n;
    t->shape.push_back(int64_t(n));
  }
  const uint64_t begin = (*offsets)[0].get<uint64_t>(), end = (*offsets)[1].get<uint64_t>();
  const uint64_t n_bytes = count * info(known->type).block_bytes;
  if (begin > end || end > data_size) {
    return Corrupt("data_offsets [%llu, %llu) lie outside the %llu data bytes",
                   (unsigned long long)begin, (unsigned long long)end,
                   (unsigned long long)data_size);
  }
  if (end - begin != n_bytes) {
    return Corrupt("data_offsets cover %llu bytes but shape and dtype need %llu",
                   (unsigned long long)(end - begin), (unsigned long long)n_bytes);
  }
  if (reinterpret_cast<uintptr_t>(data + begin) % info(known->type).block_bytes != 0) {
    return Unsupported("data at offset %llu is not aligned to its %zu-byte elements",
                       (unsigned long long)begin, info(known->type).block_bytes);
  }
  int64_t ne[kMaxDims] = {1, 1, 1, 1};
  const int n_dims = std::max<int>(1, int(t->shape.size()));
  for (size_t d = 0; d < t->shape.size(); ++d) ne[d] = t->shape[t->shape.size() - 1 - d];
  t->view = make_contiguous_view(known->type, n_dims, ne, data + begin);
  return Status::Ok();
}

}  // namespace

StatusOr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  OMNI_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  OMNI_ASSIGN_OR_RETURN(SafetensorsFile st, parse(file.data(), file.size(), path));
  st.file_ = std::move(file);
  return st;
}

StatusOr<SafetensorsFile> SafetensorsFile::parse(const uint8_t* data, size_t size,
                                                 const std::string& label) {
  auto fail = [&](const Status& s) { return s.with_context(label); };
  SafetensorsFile st;
  st.label_ = label;
  uint64_t header_len;
  if (size < 8) return fail(Corrupt("only %zu bytes; not a safetensors file", size));
  std::memcpy(&header_len, data, 8);
  if (header_len > kMaxHeaderBytes) {
    return fail(
        Corrupt("header length %llu exceeds the format's 100 MiB limit (not a safetensors file?)",
                (unsigned long long)header_len));
  }
  if (header_len > size - 8)
    return fail(Corrupt("header length %llu runs past the end of the file (truncated?)",
                        (unsigned long long)header_len));
  const char* header = reinterpret_cast<const char*>(data + 8);
  if (header_len < 2 || header[0] != '{') return fail(Corrupt("header is not a JSON object"));
  nlohmann::json j =
      nlohmann::json::parse(header, header + header_len, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return fail(Corrupt("header is not valid JSON"));
  const uint8_t* body = data + 8 + header_len;
  const uint64_t body_size = size - 8 - header_len;

  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) return fail(Corrupt("__metadata__ is not an object"));
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          return fail(Corrupt("__metadata__ value '%s' is not a string", m.key().c_str()));
        st.metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    SafetensorsTensor t;
    Status s = parse_tensor(it.key(), it.value(), body, body_size, &t);
    if (!s.ok()) return fail(s.with_context("tensor '" + it.key() + "'"));
    const uint64_t begin = uint64_t(static_cast<const uint8_t*>(t.view.data) - body);
    ranges.emplace_back(begin, begin + t.view.n_bytes());
    st.tensors_.push_back(std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t k = 1; k < ranges.size(); ++k) {
    if (ranges[k].first < ranges[k - 1].second) {
      return fail(
          Corrupt("two tensors' data overlap at offset %llu", (unsigned long long)ranges[k].first));
    }
  }
  return st;
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void SafetensorsFile::release_data(const TensorView& t) {
  file_.release_bytes(t.data, t.n_bytes());
}

StatusOr<SafetensorsModel> SafetensorsModel::open(const std::string& path) {
  SafetensorsModel model;
  std::vector<std::string> shards;
  std::string dir;
  if (is_directory(path)) {
    dir = path;
    const std::string index = dir + "/model.safetensors.index.json";
    if (exists(dir + "/model.safetensors")) {
      shards.push_back(dir + "/model.safetensors");
    } else if (exists(index)) {
      OMNI_ASSIGN_OR_RETURN(std::string text, read_file_to_string(index));
      nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") ||
          !j["weight_map"].is_object()) {
        return Corrupt("%s: not a safetensors index (needs an object \"weight_map\")",
                       index.c_str());
      }
      std::set<std::string> names;
      for (const auto& v : j["weight_map"]) {
        if (!v.is_string() || v.get<std::string>().find('/') != std::string::npos) {
          return Corrupt("%s: weight_map values must be file names in the same directory",
                         index.c_str());
        }
        names.insert(v.get<std::string>());
      }
      for (const auto& n : names) shards.push_back(dir + "/" + n);
    } else {
      return NotFound("%s: no model.safetensors or model.safetensors.index.json in this directory",
                      path.c_str());
    }
  } else {
    dir = dirname_of(path);
    shards.push_back(path);
  }
  std::set<std::string> seen;
  for (const auto& shard : shards) {
    OMNI_ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::open(shard));
    for (const auto& t : file.tensors()) {
      if (!seen.insert(t.name).second)
        return Corrupt("%s: tensor '%s' appears in two shards", shard.c_str(), t.name.c_str());
    }
    model.files_.push_back(std::make_unique<SafetensorsFile>(std::move(file)));
  }
  if (exists(dir + "/config.json")) {
    OMNI_ASSIGN_OR_RETURN(model.config_json_, read_file_to_string(dir + "/config.json"));
  }
  return model;
}

std::vector<const SafetensorsTensor*> SafetensorsModel::tensors() const {
  std::vector<const SafetensorsTensor*> out;
  for (const auto& f : files_) {
    for (const auto& t : f->tensors()) out.push_back(&t);
  }
  return out;
}

const SafetensorsTensor* SafetensorsModel::find(std::string_view name) const {
  for (const auto& f : files_) {
    if (const auto* t = f->find(name)) return t;
  }
  return nullptr;
}

void SafetensorsModel::release_data(const TensorView& t) {
  for (const auto& f : files_) f->release_data(t);
}

}  // namespace omni

namespace omni {

Status write_safetensors(const std::string& path, const std::vector<SafetensorsTensorData>& tensors,
                         const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    const char* dtype = nullptr;
    for (const auto& d : kDtypes) {
      if (d.type == t.type) dtype = d.name;
    }
    if (!dtype)
      return InvalidArgument("tensor '%s': safetensors output supports F32, F16 and BF16",
                             t.name.c_str());
    uint64_t count = 1;
    for (int64_t n : t.shape) count *= uint64_t(n);
    const uint64_t bytes = count * info(t.type).block_bytes;
    header[t.name] = {
        {"dtype", dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8) text += ' ';
  std::string out(8, '\0');
  const uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  out += text;
  for (const auto& t : tensors) {
    uint64_t count = 1;
    for (int64_t d : t.shape) count *= uint64_t(d);
    out.append(static_cast<const char*>(t.data), count * info(t.type).block_bytes);
  }
  return write_file_atomic(path, out.data(), out.size());
}

}  // namespace omni
