// Text helpers of Whisper transcription: the language codes in token order, the initial prompt
// as tokens, and openai-whisper's compression ratio.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/audio/whisper/whisper_model.h"

namespace omni {

// ISO-639-1 codes (and "haw", "yue") in the order of Whisper's language tokens: index 0 is
// <|en|> = sot + 1. 100 codes; a model has whisper_special_tokens().n_languages of them.
const std::vector<std::string>& whisper_language_codes();
// The index of `code` among the first `n_languages` codes, or -1.
int whisper_language_index(std::string_view code, int n_languages);

// Text -> token ids by longest match over the model's token bytes (whisper.cpp's tokenizer for
// files without BPE merges). Bytes no token covers are skipped.
std::vector<int32_t> whisper_tokenize(const WhisperModel& model, std::string_view text);

// UTF-8 bytes / zlib-compressed bytes (zlib's default level, as Python's zlib.compress in
// openai-whisper): high for text that repeats itself. 0 for empty text.
double whisper_compression_ratio(std::string_view text);

}  // namespace omni
