// WordPiece (GGUF model "bert"): the text is NFD-normalized, stripped of accents, lower-cased and
// split into words at
// whitespace, with every punctuation mark, ASCII symbol and CJK ideograph a word of its own;
// control characters are dropped. Each word, with U+2581 in front, is covered greedily by the
// longest tokens from the left; a word that cannot be covered becomes the unknown token.
#include <string>

#include "tokenizers/hash_tables.h"
#include "tokenizers/tokenizer_impl.h"
#include "tokenizers/unicode.h"

namespace omni::tokenizer_impl {
namespace {

bool is_cjk_ideograph(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

class WordPieceTokenizer final : public Tokenizer {
 public:
  explicit WordPieceTokenizer(VocabSpec spec) : Tokenizer(std::move(spec)) {}

 private:
  Status init() override {
    const size_t n = texts_.size();
    ids_ = StringIdTable(&texts_);
    ids_.reserve(n);
    std::string spaced;
    for (size_t i = 0; i < n; ++i) {
      const std::string_view t = texts_[i];
      ids_.insert(int32_t(i));
      max_len_ = std::max(max_len_, t.size());
      if (t.starts_with("\xe2\x96\x81")) {
        spaced.assign(1, ' ');
        spaced.append(t.substr(3));
        bytes_.push_back(spaced);
      } else {
        bytes_.push_back(t);
      }
    }
    return Status::Ok();
  }

  std::vector<std::string> words(std::string_view text) const {
    std::vector<std::string> out(1);
    for (uint32_t cp : unicode::nfd(unicode::decode_utf8(text))) {
      if (unicode::is_white_space(cp)) {
        if (!out.back().empty()) out.emplace_back();
        continue;
      }
      const unicode::Category cat = unicode::category(cp);
      // Accents are dropped: after NFD they are the nonspacing marks (BERT's strip_accents).
      if (cp == 0 || cp == 0xfffd || unicode::is_control(cat) || cat == unicode::Category::Mn)
        continue;
      std::string s;
      unicode::append_utf8(unicode::to_lower(cp), &s);
      if (unicode::is_punctuation(cat) || (cp < 0x7f && unicode::is_symbol(cat)) ||
          is_cjk_ideograph(cp)) {
        if (!out.back().empty()) out.emplace_back();
        out.back() = s;
        out.emplace_back();
      } else {
        out.back() += s;
      }
    }
    if (out.back().empty()) out.pop_back();
    return out;
  }

  void encode_ordinary(std::string_view text, std::vector<int32_t>* out) const override {
    for (const std::string& word : words(text)) {
      const std::string w = "\xe2\x96\x81" + word;
      const size_t start = out->size();
      for (size_t i = 0; i < w.size();) {
        size_t j = std::min(w.size(), i + max_len_);
        int32_t id = -1;
        for (; j > i; --j) {
          id = ids_.find(std::string_view(w).substr(i, j - i));
          if (id >= 0) break;
        }
        if (id < 0) {
          out->resize(start);
          break;
        }
        out->push_back(id);
        i = j;
      }
      if (out->size() == start && spec_.unk_id >= 0) out->push_back(spec_.unk_id);
    }
  }

  StringIdTable ids_;
  size_t max_len_ = 0;
};

}  // namespace

std::unique_ptr<Tokenizer> make_wordpiece(VocabSpec spec) {
  return std::make_unique<WordPieceTokenizer>(std::move(spec));
}

}  // namespace omni::tokenizer_impl
