// A Hugging Face tokenizer.json (byte-level BPE, as Llama 3, Qwen2/2.5/3 and GPT-2 ship) as a
// VocabSpec, with BOS/EOS from tokenizer_config.json when it is beside it.
#pragma once

#include <string>

#include "base/status.h"
#include "tokenizers/tokenizer.h"

namespace omni {

// `dir`: the model directory. Fails with a message naming the construct when the tokenizer is of
// a kind this build does not read (e.g. a SentencePiece-style BPE with byte fallback).
StatusOr<VocabSpec> vocab_spec_from_hf(const std::string& dir);

// tokenizer_config.json's "chat_template" (a string), or "" when there is none.
std::string chat_template_from_hf(const std::string& dir);

}  // namespace omni
