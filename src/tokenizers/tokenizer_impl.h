// Internal: the concrete tokenizers behind Tokenizer::create().
#pragma once

#include <memory>

#include "tokenizers/tokenizer.h"

namespace omni::tokenizer_impl {

std::unique_ptr<Tokenizer> make_bpe(VocabSpec spec);            // "gpt2" and "tiktoken"
std::unique_ptr<Tokenizer> make_sentencepiece(VocabSpec spec);  // "llama"
std::unique_ptr<Tokenizer> make_wordpiece(VocabSpec spec);      // "bert"

}  // namespace omni::tokenizer_impl
