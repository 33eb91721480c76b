#include "tokenizers/tiktoken.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"

namespace omni {
namespace {

struct Encoding {
  const char* name;
  const char* rank_file;     // file name of the ranks
  const char* special_file;  // JSON with the special tokens ("" = the rank file's .meta.json)
  bool nfc;
};

constexpr Encoding kEncodings[] = {
    {"o200k_base", "o200k_base.tiktoken", "", false},
    {"cl100k_base", "cl100k_base.tiktoken", "", false},
    {"o200k_harmony", "o200k_base.tiktoken", "o200k_harmony_special_tokens.json", false},
    {"qwen2_base", "qwen2_base.tiktoken", "", true},
};

bool file_exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string dir_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::vector<std::string> search_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("OMNI_TIKTOKEN_DIR")) dirs.push_back(env);
  std::vector<std::string> roots;
#ifdef OMNI_DEFAULT_DATA_DIR
  roots.push_back(OMNI_DEFAULT_DATA_DIR);
#endif
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0)
    roots.push_back(dir_of(dir_of(dir_of(std::string(exe, size_t(n))))) + "/../shared/data");
  for (const auto& r : roots) {
    dirs.push_back(r + "/o200k");
    dirs.push_back(r + "/tokenizers");
  }
  return dirs;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool base64_decode(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    const int v = base64_value(in[i]);
    if (v < 0) return false;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(char((acc >> bits) & 0xff));
    }
  }
  for (; i < in.size(); ++i) {
    if (in[i] != '=') return false;
  }
  return true;
}

// Special tokens: {"special_tokens": {...}} (a .meta.json) or the harmony description
// ({"named_special_tokens": {...}, "n_vocab": N}, with every other id above the base ranks a
// reserved token "<|reserved_ID|>").
Status read_specials(const std::string& path, size_t n_ranks,
                     std::vector<std::pair<std::string, int32_t>>* out) {
  OMNI_ASSIGN_OR_RETURN(std::string text, read_file_to_string(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Corrupt("%s: not a JSON object", path.c_str());
  const char* key = j.contains("special_tokens") ? "special_tokens" : "named_special_tokens";
  if (!j.contains(key) || !j[key].is_object())
    return Corrupt("%s: no \"%s\" object", path.c_str(), key);
  for (auto it = j[key].begin(); it != j[key].end(); ++it) {
    if (!it.value().is_number_integer())
      return Corrupt("%s: special token id must be an integer", path.c_str());
    out->emplace_back(it.key(), it.value().get<int32_t>());
  }
  if (j.contains("n_vocab") && j["n_vocab"].is_number_integer()) {
    std::vector<bool> named(size_t(j["n_vocab"].get<int64_t>()), false);
    for (const auto& [s, id] : *out) {
      if (id >= 0 && size_t(id) < named.size()) named[size_t(id)] = true;
    }
    for (size_t id = n_ranks; id < named.size(); ++id) {
      if (!named[id]) out->emplace_back("<|reserved_" + std::to_string(id) + "|>", int32_t(id));
    }
  }
  return Status::Ok();
}

}  // namespace

Status parse_tiktoken_ranks(std::string_view text, std::vector<std::string>* tokens) {
  tokens->clear();
  size_t line_no = 0;
  std::string bytes;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    if (space == std::string_view::npos)
      return Corrupt("line %zu: expected \"BASE64 RANK\"", line_no);
    if (!base64_decode(line.substr(0, space), &bytes) || bytes.empty()) {
      return Corrupt("line %zu: invalid base64 token", line_no);
    }
    const std::string rank_text(line.substr(space + 1));
    char* rest = nullptr;
    const unsigned long long rank = std::strtoull(rank_text.c_str(), &rest, 10);
    if (rank_text.empty() || *rest)
      return Corrupt("line %zu: invalid rank '%s'", line_no, rank_text.c_str());
    if (rank != tokens->size()) {
      return Corrupt("line %zu: rank %llu out of order (expected %zu)", line_no, rank,
                     tokens->size());
    }
    tokens->push_back(bytes);
  }
  if (tokens->empty()) return Corrupt("no tokens");
  return Status::Ok();
}

std::string tiktoken_encoding_names() {
  std::string s;
  for (const Encoding& e : kEncodings) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s;
}

StatusOr<std::unique_ptr<Tokenizer>> load_tiktoken(const std::string& name_or_path) {
  std::string name = name_or_path, path;
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".tiktoken")) {
    path = name_or_path;
    name = path.substr(path.rfind('/') + 1);
    if (name.ends_with(".tiktoken")) name.resize(name.size() - 9);
  }
  const Encoding* enc = nullptr;
  for (const Encoding& e : kEncodings) {
    if (name == e.name) enc = &e;
  }
  if (!enc)
    return InvalidArgument("unknown encoding '%s'; known: %s", name.c_str(),
                           tiktoken_encoding_names().c_str());
  std::string tried;
  if (path.empty()) {
    for (const auto& d : search_dirs()) {
      const std::string candidate = d + "/" + enc->rank_file;
      tried += "\n  " + candidate;
      if (file_exists(candidate)) {
        path = candidate;
        break;
      }
    }
    if (path.empty()) {
      return NotFound(
          "rank file %s for encoding %s not found; looked in:%s\nset OMNI_TIKTOKEN_DIR to the "
          "folder "
          "that holds it, or pass its path",
          enc->rank_file, enc->name, tried.c_str());
    }
  }
  OMNI_ASSIGN_OR_RETURN(std::string text, read_file_to_string(path));
  VocabSpec spec;
  spec.model = "tiktoken";
  spec.pre = enc->name;
  spec.normalize_nfc = enc->nfc;
  Status s = parse_tiktoken_ranks(text, &spec.tokens);
  if (!s.ok()) return s.with_context(path);
  const size_t n_ranks = spec.tokens.size();
  std::string special_path = dir_of(path) + "/";
  special_path += *enc->special_file
                      ? enc->special_file
                      : std::string(enc->rank_file, std::strlen(enc->rank_file) - 9) + ".meta.json";
  std::vector<std::pair<std::string, int32_t>> specials;
  if (file_exists(special_path))
    OMNI_RETURN_IF_ERROR(read_specials(special_path, n_ranks, &specials));
  for (const auto& [text_, id] : specials) {
    if (id < int32_t(n_ranks))
      return Corrupt("%s: special token id %d collides with a rank", special_path.c_str(), id);
    if (spec.tokens.size() <= size_t(id)) spec.tokens.resize(size_t(id) + 1);
    spec.tokens[size_t(id)] = text_;
  }
  spec.types.assign(spec.tokens.size(), TokenType::kNormal);
  for (size_t i = n_ranks; i < spec.tokens.size(); ++i) spec.types[i] = TokenType::kControl;
  for (const auto& [t, id] : specials) {
    if (t == "<|endoftext|>") spec.eos_id = id;
  }
  return Tokenizer::create(std::move(spec));
}

}  // namespace omni
