#include "models/vocab_from_hf.h"

#include <nlohmann/json.hpp>

#include "base/mapped_file.h"

namespace omni {
namespace {

// j[key], or null when j is not an object or lacks the key (const-safe, unlike operator[]).
const nlohmann::json& field(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

StatusOr<nlohmann::json> read_json(const std::string& path) {
  OMNI_ASSIGN_OR_RETURN(std::string text, read_file_to_string(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Corrupt("%s: not a JSON object", path.c_str());
  return j;
}

// The regular expressions of a pre_tokenizer: Split patterns in order, or ByteLevel's own
// (GPT-2's) when it is asked to split.
Status pre_patterns(const nlohmann::json& pre, const std::string& path,
                    std::vector<std::string>* out) {
  if (!pre.is_object()) return Status::Ok();
  const std::string type = pre.value("type", "");
  if (type == "Sequence") {
    for (const auto& p : pre.value("pretokenizers", nlohmann::json::array()))
      OMNI_RETURN_IF_ERROR(pre_patterns(p, path, out));
  } else if (type == "Split") {
    const auto& pattern = field(pre, "pattern");
    if (pattern.contains("Regex") && pattern["Regex"].is_string()) {
      out->push_back(pattern["Regex"].get<std::string>());
    } else if (pattern.contains("String") && pattern["String"].is_string()) {
      std::string quoted;
      for (char c : pattern["String"].get<std::string>()) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) quoted += '\\';
        quoted += c;
      }
      out->push_back(quoted);
    }
    if (pre.value("behavior", "Isolated") != "Isolated") {
      return Unsupported("%s: Split pre-tokenizer behavior '%s' (only Isolated is supported)",
                         path.c_str(), pre.value("behavior", "").c_str());
    }
  } else if (type == "ByteLevel") {
    if (pre.value("use_regex", true)) {
      out->push_back(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    }
    if (pre.value("add_prefix_space", false)) {
      return Unsupported("%s: ByteLevel add_prefix_space is not supported", path.c_str());
    }
  } else if (!type.empty()) {
    return Unsupported("%s: pre-tokenizer type '%s' is not supported", path.c_str(), type.c_str());
  }
  return Status::Ok();
}

}  // namespace

StatusOr<VocabSpec> vocab_spec_from_hf(const std::string& dir) {
  const std::string path = dir + "/tokenizer.json";
  OMNI_ASSIGN_OR_RETURN(nlohmann::json j, read_json(path));
  const auto& model = field(j, "model");
  if (!model.is_object() || model.value("type", "") != "BPE" ||
      !field(model, "vocab").is_object()) {
    return Unsupported(
        "%s: only byte-level BPE tokenizers (model.type BPE with a vocab) are supported",
        path.c_str());
  }
  if (model.value("byte_fallback", false)) {
    return Unsupported(
        "%s: BPE with byte_fallback (SentencePiece style) is not supported; use the GGUF file",
        path.c_str());
  }
  VocabSpec s;
  s.model = "gpt2";
  s.ignore_merges = model.value("ignore_merges", false);
  int64_t n = 0;
  const auto& vocab = field(model, "vocab");
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
        it.value().get<int64_t>() >= (1 << 30)) {
      return Corrupt("%s: vocab id of '%s' is not a valid id", path.c_str(), it.key().c_str());
    }
    n = std::max<int64_t>(n, it.value().get<int64_t>() + 1);
  }
  const auto& added = j.value("added_tokens", nlohmann::json::array());
  for (const auto& a : added) {
    if (!a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") ||
        !a["content"].is_string()) {
      return Corrupt("%s: an added token lacks an integer id or a content string", path.c_str());
    }
    const int64_t id = a["id"].get<int64_t>();
    if (id < 0 || id >= (1 << 30))
      return Corrupt("%s: added token id %lld", path.c_str(), (long long)id);
    n = std::max<int64_t>(n, id + 1);
  }
  s.tokens.assign(size_t(n), std::string());
  s.types.assign(size_t(n), TokenType::kUnused);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const size_t id = size_t(it.value().get<int64_t>());
    s.tokens[id] = it.key();
    s.types[id] = TokenType::kNormal;
  }
  for (const auto& a : added) {
    const size_t id = size_t(a["id"].get<int64_t>());
    s.tokens[id] = a["content"].get<std::string>();
    s.types[id] = a.value("special", false) ? TokenType::kControl : TokenType::kUserDefined;
  }
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (s.tokens[i].empty()) s.tokens[i] = "[UNUSED" + std::to_string(i) + "]";
  }
  for (const auto& m : model.value("merges", nlohmann::json::array())) {
    if (m.is_string()) {
      s.merges.push_back(m.get<std::string>());
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      s.merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
    } else {
      return Corrupt("%s: a merge is neither \"a b\" nor [\"a\", \"b\"]", path.c_str());
    }
  }
  OMNI_RETURN_IF_ERROR(pre_patterns(field(j, "pre_tokenizer"), path, &s.pre_patterns));
  const auto& norm = field(j, "normalizer");
  if (norm.is_object()) {
    const std::string type = norm.value("type", "");
    if (type == "NFC") {
      s.normalize_nfc = true;
    } else if (type == "Sequence" && norm.value("normalizers", nlohmann::json::array()).empty()) {
    } else {
      return Unsupported("%s: normalizer '%s' is not supported", path.c_str(), type.c_str());
    }
  }
  // BOS / EOS by their texts in tokenizer_config.json.
  if (auto cfg = read_json(dir + "/tokenizer_config.json"); cfg.ok()) {
    auto id_of = [&](const char* key) -> int32_t {
      const auto& v = field(*cfg, key);
      const std::string text = v.is_string()   ? v.get<std::string>()
                               : v.is_object() ? v.value("content", "")
                                               : "";
      for (size_t i = 0; i < s.tokens.size() && !text.empty(); ++i) {
        if (s.tokens[i] == text) return int32_t(i);
      }
      return -1;
    };
    s.bos_id = id_of("bos_token");
    s.eos_id = id_of("eos_token");
    s.add_bos = cfg->value("add_bos_token", false) && s.bos_id >= 0;
  }
  return s;
}

std::string chat_template_from_hf(const std::string& dir) {
  auto cfg = read_json(dir + "/tokenizer_config.json");
  if (!cfg.ok()) return "";
  const auto& t = field(*cfg, "chat_template");
  return t.is_string() ? t.get<std::string>() : "";
}

}  // namespace omni
