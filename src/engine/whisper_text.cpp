#include "engine/whisper_text.h"

#include <zlib.h>

#include <algorithm>
#include <unordered_map>

#include "models/audio/whisper/whisper_decoder.h"

namespace omni {

const std::vector<std::string>& whisper_language_codes() {
  static const std::vector<std::string> kCodes = {
      "en", "zh", "de", "es",  "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv",
      "it", "id", "hi", "fi",  "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no",
      "th", "ur", "hr", "bg",  "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr",
      "az", "sl", "kn", "et",  "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
      "gl", "mr", "pa", "si",  "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu",
      "am", "yi", "lo", "uz",  "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
      "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue"};
  return kCodes;
}

int whisper_language_index(std::string_view code, int n_languages) {
  const std::vector<std::string>& codes = whisper_language_codes();
  const int n = std::min<int>(n_languages, int(codes.size()));
  for (int i = 0; i < n; ++i) {
    if (codes[size_t(i)] == code) return i;
  }
  return -1;
}

std::vector<int32_t> whisper_tokenize(const WhisperModel& model, std::string_view text) {
  const WhisperSpecialTokens sp = whisper_special_tokens(model.hparams());
  const std::vector<std::string>& tokens = model.tokens();
  std::unordered_map<std::string_view, int32_t> ids;
  size_t longest = 0;
  const int32_t n_text = std::min<int32_t>(sp.eot, int32_t(tokens.size()));
  for (int32_t id = 0; id < n_text; ++id) {
    const std::string& t = tokens[size_t(id)];
    if (t.empty()) continue;
    ids.emplace(t, id);  // the first id of a duplicated string wins
    longest = std::max(longest, t.size());
  }
  std::vector<int32_t> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t len = std::min(longest, text.size() - pos);
    for (; len > 0; --len) {
      auto it = ids.find(text.substr(pos, len));
      if (it != ids.end()) {
        out.push_back(it->second);
        break;
      }
    }
    pos += std::max<size_t>(len, 1);
  }
  return out;
}

double whisper_compression_ratio(std::string_view text) {
  if (text.empty()) return 0.0;
  uLongf size = compressBound(uLong(text.size()));
  std::vector<Bytef> buf(size);
  if (compress2(buf.data(), &size, reinterpret_cast<const Bytef*>(text.data()), uLong(text.size()),
                Z_DEFAULT_COMPRESSION) != Z_OK) {
    return 0.0;
  }
  return double(text.size()) / double(size);
}

}  // namespace omni
