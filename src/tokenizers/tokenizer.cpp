#include "tokenizers/tokenizer.h"

#include <algorithm>

#include "tokenizers/tokenizer_impl.h"
#include "tokenizers/unicode.h"

namespace omni {

Tokenizer::Tokenizer(VocabSpec spec) : spec_(std::move(spec)) {
  size_t total = 0;
  for (const std::string& t : spec_.tokens) total += t.size();
  texts_.reserve(spec_.tokens.size(), total);
  for (const std::string& t : spec_.tokens) texts_.push_back(t);
  std::vector<std::string>().swap(spec_.tokens);
}
Tokenizer::~Tokenizer() = default;

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::create(VocabSpec spec) {
  if (spec.tokens.empty()) return InvalidArgument("vocabulary has no tokens");
  if (spec.tokens.size() > (1u << 30))
    return InvalidArgument("vocabulary has %zu tokens", spec.tokens.size());
  if (!spec.types.empty() && spec.types.size() != spec.tokens.size()) {
    return Corrupt("vocabulary has %zu tokens but %zu token types", spec.tokens.size(),
                   spec.types.size());
  }
  if (!spec.scores.empty() && spec.scores.size() != spec.tokens.size()) {
    return Corrupt("vocabulary has %zu tokens but %zu scores", spec.tokens.size(),
                   spec.scores.size());
  }
  size_t text_bytes = 0;
  for (const std::string& text : spec.tokens) text_bytes += text.size();
  if (text_bytes > StringStore::kMaxBytes)
    return InvalidArgument("vocabulary texts take %zu bytes (at most 4 GiB)", text_bytes);
  const int32_t n = int32_t(spec.tokens.size());
  for (int32_t* id : {&spec.bos_id, &spec.eos_id, &spec.unk_id, &spec.pad_id}) {
    if (*id >= n)
      return Corrupt("special token id %d is outside the vocabulary of %d tokens", *id, n);
  }
  if (spec.types.empty()) spec.types.assign(spec.tokens.size(), TokenType::kNormal);
  std::unique_ptr<Tokenizer> t;
  if (spec.model == "gpt2" || spec.model == "tiktoken") {
    t = tokenizer_impl::make_bpe(std::move(spec));
  } else if (spec.model == "llama") {
    t = tokenizer_impl::make_sentencepiece(std::move(spec));
  } else if (spec.model == "bert") {
    t = tokenizer_impl::make_wordpiece(std::move(spec));
  } else {
    return Unsupported("tokenizer model '%s' (supported: gpt2, llama, bert, tiktoken)",
                       spec.model.c_str());
  }
  // No token decodes to more bytes than its text holds (byte-level text, U+2581 and "<0xNN>"
  // all shrink), so the texts' size bounds the bytes init() appends.
  t->bytes_.reserve(t->texts_.size(), t->texts_.bytes());
  OMNI_RETURN_IF_ERROR(t->init());
  t->bytes_.shrink_to_fit();
  // Special tokens, matched longest text first.
  for (int32_t id = 0; id < t->n_vocab(); ++id) {
    const TokenType type = t->spec_.types[size_t(id)];
    if (t->bytes_[size_t(id)].empty()) continue;
    if (type == TokenType::kControl) t->specials_.push_back(id);
    if (type == TokenType::kUserDefined) {
      t->specials_.push_back(id);
      t->always_specials_.push_back(id);
    }
  }
  auto longest_first = [&](int32_t a, int32_t b) {
    return t->bytes_[size_t(a)].size() > t->bytes_[size_t(b)].size() ||
           (t->bytes_[size_t(a)].size() == t->bytes_[size_t(b)].size() && a < b);
  };
  std::sort(t->specials_.begin(), t->specials_.end(), longest_first);
  std::sort(t->always_specials_.begin(), t->always_specials_.end(), longest_first);
  return t;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool parse_special) const {
  std::string clean;
  if (!unicode::is_valid_utf8(text)) {
    clean = unicode::encode_utf8(unicode::decode_utf8(text));
    text = clean;
  }
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  encode_with_specials(text, parse_special ? specials_ : always_specials_, &out);
  return out;
}

void Tokenizer::encode_with_specials(std::string_view text, const std::vector<int32_t>& specials,
                                     std::vector<int32_t>* out) const {
  if (specials.empty()) {
    encode_ordinary(text, out);
    return;
  }
  size_t start = 0;  // beginning of the ordinary text not yet encoded
  for (size_t i = 0; i < text.size();) {
    int32_t found = -1;
    for (int32_t id : specials) {
      const std::string_view s = bytes_[size_t(id)];
      if (text.compare(i, s.size(), s) == 0) {
        found = id;
        break;
      }
    }
    if (found < 0) {
      ++i;
      continue;
    }
    if (i > start) encode_ordinary(text.substr(start, i - start), out);
    out->push_back(found);
    i += bytes_[size_t(found)].size();
    start = i;
  }
  if (start < text.size()) encode_ordinary(text.substr(start), out);
}

std::string_view Tokenizer::token_bytes(int32_t id) const {
  if (id < 0 || id >= n_vocab()) return {};
  return bytes_[size_t(id)];
}

bool Tokenizer::is_special(int32_t id) const {
  if (id < 0 || id >= n_vocab()) return false;
  const TokenType t = spec_.types[size_t(id)];
  return t == TokenType::kControl || t == TokenType::kUserDefined;
}

std::string_view Tokenizer::token_text(int32_t id) const {
  if (id < 0 || id >= n_vocab()) return {};
  return texts_[size_t(id)];
}

int32_t Tokenizer::find_token(std::string_view text) const {
  for (size_t i = 0; i < texts_.size(); ++i) {
    if (texts_[i] == text) return int32_t(i);
  }
  return -1;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || id >= n_vocab()) continue;
    if (skip_special && spec_.types[size_t(id)] == TokenType::kControl) continue;
    out += bytes_[size_t(id)];
  }
  // The space SentencePiece and WordPiece put before the first word is not part of the text.
  const bool phantom_space =
      (spec_.model == "llama" && spec_.add_space_prefix) || spec_.model == "bert";
  if (phantom_space && !out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

std::string StreamingDecoder::push(int32_t id) {
  if (skip_special_ && tokenizer_.spec().types.size() > size_t(std::max(id, 0)) && id >= 0 &&
      tokenizer_.spec().types[size_t(id)] == TokenType::kControl) {
    return {};
  }
  const int32_t one[1] = {id};
  std::string piece = tokenizer_.decode(std::span<const int32_t>(one, 1), skip_special_);
  // decode() drops a leading phantom space only at the start of a whole text.
  if (!first_ && piece.size() < tokenizer_.token_bytes(id).size())
    piece = std::string(tokenizer_.token_bytes(id));
  first_ = false;
  pending_ += piece;
  const size_t n = unicode::complete_utf8_prefix(pending_);
  // Bytes that can never become valid (a stray continuation byte, say) are replaced by U+FFFD.
  std::string ready =
      unicode::encode_utf8(unicode::decode_utf8(std::string_view(pending_).substr(0, n)));
  pending_.erase(0, n);
  return ready;
}

std::string StreamingDecoder::flush() {
  std::string rest = unicode::encode_utf8(unicode::decode_utf8(pending_));
  pending_.clear();
  return rest;
}

}  // namespace omni
