// SentencePiece BPE (GGUF model "llama"): spaces become U+2581, a space is put before the text
// (add_space_prefix), the text is split into characters, and the adjacent pair whose
// concatenation is the highest-scoring token is merged first (leftmost on ties) until none
// merges. Characters left without a token are written as their bytes (<0xXX> tokens).
#include <cstdio>
#include <queue>
#include <string>

#include "tokenizers/hash_tables.h"
#include "tokenizers/tokenizer_impl.h"

namespace omni::tokenizer_impl {
namespace {

constexpr std::string_view kSpace = "\xe2\x96\x81";  // U+2581

class SentencePieceTokenizer final : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(VocabSpec spec) : Tokenizer(std::move(spec)) {}

 private:
  Status init() override {
    const size_t n = texts_.size();
    ids_ = StringIdTable(&texts_);
    ids_.reserve(n);
    for (int b = 0; b < 256; ++b) byte_ids_[b] = -1;
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      const std::string_view t = texts_[i];
      const TokenType type = spec_.types[i];
      if (type == TokenType::kByte) {
        const std::string byte_name(t);  // "<0xNN>"
        unsigned v = 0;
        if (t.size() == 6 && std::sscanf(byte_name.c_str(), "<0x%02X>", &v) == 1) {
          const char byte = char(v);
          bytes_.push_back(std::string_view(&byte, 1));
          byte_ids_[v] = int32_t(i);
          continue;
        }
      }
      text.clear();
      for (size_t k = 0; k < t.size();) {
        if (t.compare(k, kSpace.size(), kSpace) == 0) {
          text += ' ';
          k += kSpace.size();
        } else {
          text += t[k++];
        }
      }
      bytes_.push_back(text);
      if (type == TokenType::kNormal || type == TokenType::kUserDefined ||
          type == TokenType::kUnused) {
        ids_.insert(int32_t(i));
      }
    }
    return Status::Ok();
  }

  float score(int32_t id) const { return spec_.scores.empty() ? 0.0f : spec_.scores[size_t(id)]; }

  void encode_ordinary(std::string_view text, std::vector<int32_t>* out) const override {
    if (text.empty()) return;
    std::string s;
    // The space prefix goes at the start of the input and after each special token.
    if (spec_.add_space_prefix && (out->empty() || is_special(out->back()))) s += kSpace;
    for (char c : text) {
      if (c == ' ')
        s += kSpace;
      else
        s += c;
    }
    // Symbols: one per UTF-8 character, as a doubly linked list over byte ranges.
    struct Symbol {
      int prev, next;
      size_t start, len;
    };
    std::vector<Symbol> sym;
    for (size_t i = 0; i < s.size();) {
      const unsigned char c = uint8_t(s[i]);
      size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
      len = std::min(len, s.size() - i);
      sym.push_back({int(sym.size()) - 1, int(sym.size()) + 1, i, len});
      i += len;
    }
    sym.back().next = -1;
    struct Bigram {
      int left, right;
      float score;
      size_t len;
    };
    auto worse = [](const Bigram& a, const Bigram& b) {
      return a.score < b.score || (a.score == b.score && a.left > b.left);
    };
    std::priority_queue<Bigram, std::vector<Bigram>, decltype(worse)> queue(worse);
    auto try_add = [&](int l, int r) {
      if (l < 0 || r < 0) return;
      const int32_t id = ids_.find(std::string_view(s).substr(
          sym[size_t(l)].start, sym[size_t(l)].len + sym[size_t(r)].len));
      if (id >= 0) queue.push({l, r, score(id), sym[size_t(l)].len + sym[size_t(r)].len});
    };
    for (size_t i = 1; i < sym.size(); ++i) try_add(int(i) - 1, int(i));
    while (!queue.empty()) {
      const Bigram b = queue.top();
      queue.pop();
      Symbol& l = sym[size_t(b.left)];
      Symbol& r = sym[size_t(b.right)];
      if (l.len == 0 || r.len == 0 || l.len + r.len != b.len) continue;  // outdated
      l.len += r.len;
      r.len = 0;
      l.next = r.next;
      if (r.next >= 0) sym[size_t(r.next)].prev = b.left;
      try_add(l.prev, b.left);
      try_add(b.left, l.next);
    }
    for (int i = 0; i >= 0 && size_t(i) < sym.size(); i = sym[size_t(i)].next) {
      const std::string_view piece =
          std::string_view(s).substr(sym[size_t(i)].start, sym[size_t(i)].len);
      const int32_t id = ids_.find(piece);
      if (id >= 0) {
        out->push_back(id);
        continue;
      }
      for (unsigned char c : piece) {  // byte fallback
        if (byte_ids_[c] >= 0)
          out->push_back(byte_ids_[c]);
        else if (spec_.unk_id >= 0)
          out->push_back(spec_.unk_id);
      }
    }
  }

  StringIdTable ids_;
  int32_t byte_ids_[256];
};

}  // namespace

std::unique_ptr<Tokenizer> make_sentencepiece(VocabSpec spec) {
  return std::make_unique<SentencePieceTokenizer>(std::move(spec));
}

}  // namespace omni::tokenizer_impl
