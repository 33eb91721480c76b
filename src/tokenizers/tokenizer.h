// Tokenizers: text <-> token ids for the vocabularies models ship with.
//
//   byte-level BPE   GGUF tokenizer model "gpt2" (GPT-2, Llama 3, Qwen2, DeepSeek, Falcon, ...)
//                    and tiktoken rank files (cl100k_base, o200k_base, o200k_harmony)
//   SentencePiece    GGUF model "llama" (Llama 2, Mistral, Phi-3): score-ordered merges of
//                    characters, byte fallback
//   WordPiece        GGUF model "bert": greedy longest match per word
//
// A Tokenizer is immutable after creation and may be used from any number of threads. Encoding
// never adds BOS/EOS (callers decide, see add_bos()). Input that is not valid UTF-8 is encoded
// with each invalid byte replaced by U+FFFD.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenizers/string_store.h"

namespace omni {

// GGUF's tokenizer.ggml.token_type values.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// Everything a tokenizer is built from, whatever file it came from.
struct VocabSpec {
  std::string model;  // "gpt2", "llama", "bert" or "tiktoken"
  std::string pre;    // pre-tokenizer name (byte-level BPE only)
  std::vector<std::string>
      pre_patterns;  // or the patterns themselves (tokenizer.json); win over `pre`
  // Token texts as the file stores them: byte-level BPE in GPT-2's byte-to-text mapping,
  // SentencePiece with U+2581 for spaces, tiktoken as the raw bytes. Moved into the tokenizer
  // when it is created (Tokenizer::token_text): its spec() has none.
  std::vector<std::string> tokens;
  std::vector<TokenType> types;     // empty = all normal
  std::vector<float> scores;        // SentencePiece merge priorities
  std::vector<std::string> merges;  // byte-level BPE: "left right", highest priority first;
                                    // the tokenizer empties it once its pair table holds them
  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
  bool add_bos = false, add_eos = false;
  bool add_space_prefix = true;  // SentencePiece: a leading space is added before encoding
  bool normalize_nfc = false;    // apply NFC before pre-tokenization (Qwen2)
  bool ignore_merges = false;    // byte-level BPE: a piece that is a whole token is taken as is
};

class Tokenizer {
 public:
  static StatusOr<std::unique_ptr<Tokenizer>> create(VocabSpec spec);
  virtual ~Tokenizer();
  // Not copied or moved: the lookup tables of a tokenizer point into its own string stores.
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Token ids for `text`. With parse_special, the texts of control tokens (and for tiktoken,
  // of its special tokens) become those tokens; otherwise they are encoded as ordinary text.
  // User-defined tokens are always matched, as in llama.cpp.
  std::vector<int32_t> encode(std::string_view text, bool parse_special = false) const;

  // The bytes a token stands for (special tokens: their text). Empty for an id out of range.
  std::string_view token_bytes(int32_t id) const;
  // Concatenated bytes of `ids`. skip_special drops control tokens. The SentencePiece and
  // WordPiece leading space that encoding adds is removed from the start.
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const;

  bool is_special(int32_t id) const;  // control or user-defined
  int32_t n_vocab() const { return int32_t(texts_.size()); }
  // The spec the tokenizer was created from, less its tokens and merges (held in other forms).
  const VocabSpec& spec() const { return spec_; }
  // The token's text as the file stores it (VocabSpec::tokens). Empty for an id out of range.
  std::string_view token_text(int32_t id) const;
  int32_t find_token(std::string_view text) const;  // by the file's token text; -1 if absent

 protected:
  // Moves spec.tokens into texts_.
  explicit Tokenizer(VocabSpec spec);
  // Encodes text that contains no special tokens, appending to `out`.
  virtual void encode_ordinary(std::string_view text, std::vector<int32_t>* out) const = 0;
  // Fills bytes_ (what each token decodes to); called by create() after construction.
  virtual Status init() = 0;

  VocabSpec spec_;
  StringStore texts_;  // [n_vocab] the file's token texts
  StringStore bytes_;  // [n_vocab] what each token decodes to, filled by init() in id order
  std::vector<int32_t> specials_;  // ids matched in text (sorted by text length, longest first)
  std::vector<int32_t> always_specials_;  // user-defined ids, matched even without parse_special

 private:
  void encode_with_specials(std::string_view text, const std::vector<int32_t>& specials,
                            std::vector<int32_t>* out) const;
};

// Turns a stream of token ids into text without ever emitting part of a UTF-8 character: bytes
// of an incomplete character are held until the token that completes it arrives.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool skip_special = false)
      : tokenizer_(tokenizer), skip_special_(skip_special) {}
  // The text that became complete with this token (may be empty).
  std::string push(int32_t id);
  // Whatever is left at the end of the stream; invalid bytes become U+FFFD.
  std::string flush();

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_;
  bool first_ = true;
  std::string pending_;
};

}  // namespace omni
