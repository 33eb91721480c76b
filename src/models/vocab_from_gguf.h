// The tokenizer stored in a GGUF file's tokenizer.ggml.* metadata, as a VocabSpec / Tokenizer.
#pragma once

#include <memory>

#include "base/status.h"
#include "formats/gguf.h"
#include "tokenizers/tokenizer.h"

namespace omni {

StatusOr<VocabSpec> vocab_spec_from_gguf(const GgufFile& file);
StatusOr<std::unique_ptr<Tokenizer>> tokenizer_from_gguf(const GgufFile& file);

}  // namespace omni
