// Byte-level BPE: the text is split by the pre-tokenizer, each piece is a sequence of bytes, and
// adjacent parts are merged, lowest merge rank first (leftmost on ties), until no pair merges.
// GGUF "gpt2" vocabularies rank merges by their position in tokenizer.ggml.merges; tiktoken files
// rank a merge by the id of the token it produces. Both become one pair table.
#include <algorithm>
#include <string>

#include "tokenizers/hash_tables.h"
#include "tokenizers/pretokenizer.h"
#include "tokenizers/tokenizer_impl.h"
#include "tokenizers/unicode.h"

namespace omni::tokenizer_impl {
namespace {

// GPT-2's mapping of bytes to printable characters (so that token texts are readable strings):
// printable Latin-1 bytes stand for themselves, the others map to U+0100 upwards.
std::vector<uint32_t> byte_to_codepoint() {
  std::vector<uint32_t> map(256);
  uint32_t extra = 0;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool printable =
        (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    map[b] = printable ? b : 256 + extra++;
  }
  return map;
}

class BpeTokenizer final : public Tokenizer {
 public:
  explicit BpeTokenizer(VocabSpec spec) : Tokenizer(std::move(spec)) {}

 private:
  Status init() override {
    const bool tiktoken = spec_.model == "tiktoken";
    const size_t n = texts_.size();
    if (tiktoken) {
      for (size_t i = 0; i < n; ++i) bytes_.push_back(texts_[i]);
    } else {
      // Byte-level text back to bytes; special tokens keep their text.
      const std::vector<uint32_t> fwd = byte_to_codepoint();
      std::vector<int> inv(512, -1);
      for (int b = 0; b < 256; ++b) inv[fwd[size_t(b)]] = b;
      std::string raw;
      for (size_t i = 0; i < n; ++i) {
        const TokenType type = spec_.types[i];
        if (type == TokenType::kControl || type == TokenType::kUserDefined) {
          bytes_.push_back(texts_[i]);
          continue;
        }
        raw.clear();
        bool ok = true;
        for (uint32_t cp : unicode::decode_utf8(texts_[i])) {
          if (cp >= inv.size() || inv[cp] < 0) {
            ok = false;
            break;
          }
          raw.push_back(char(inv[cp]));
        }
        bytes_.push_back(ok ? std::string_view(raw) : texts_[i]);
      }
    }
    // Ordinary tokens by their bytes (the first id wins on duplicates).
    ids_ = StringIdTable(&bytes_);
    ids_.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const TokenType type = spec_.types[i];
      if (type == TokenType::kNormal || type == TokenType::kByte || type == TokenType::kUnused ||
          tiktoken) {
        ids_.insert(int32_t(i));
      }
    }
    for (int b = 0; b < 256; ++b) byte_ids_[b] = ids_.find(std::string(1, char(b)));
    if (tiktoken) {
      // A merge is any split of a token into two tokens; its rank is the merged token's id.
      for (size_t i = 0; i < n; ++i) {
        const std::string_view t = bytes_[i];
        for (size_t k = 1; k < t.size(); ++k) {
          const int32_t l = ids_.find(t.substr(0, k));
          const int32_t r = ids_.find(t.substr(k));
          if (l >= 0 && r >= 0) pairs_.insert(l, r, {int32_t(i), int32_t(i)});
        }
      }
    } else {
      StringIdTable text_ids(&texts_);  // the file's token texts
      text_ids.reserve(n);
      for (size_t i = 0; i < n; ++i) text_ids.insert(int32_t(i));
      pairs_.reserve(spec_.merges.size());
      for (size_t rank = 0; rank < spec_.merges.size(); ++rank) {
        const std::string& m = spec_.merges[rank];
        const size_t space = m.find(' ', 1);
        if (space == std::string::npos) {
          return Corrupt("merge %zu ('%s') is not two tokens separated by a space", rank,
                         m.c_str());
        }
        const int32_t l = text_ids.find(std::string_view(m).substr(0, space));
        const int32_t r = text_ids.find(std::string_view(m).substr(space + 1));
        const int32_t merged = text_ids.find(m.substr(0, space) + m.substr(space + 1));
        if (l < 0 || r < 0 || merged < 0) continue;  // a merge of tokens the vocabulary lacks
        pairs_.insert(l, r, {int32_t(rank), merged});
      }
    }
    auto pre = !spec_.pre_patterns.empty()
                   ? PreTokenizer::from_patterns(spec_.pre_patterns)
                   : PreTokenizer::named(spec_.pre.empty() ? (tiktoken ? "cl100k_base" : "default")
                                                           : spec_.pre);
    if (!pre.ok()) return pre.status();
    pre_ = std::make_unique<PreTokenizer>(std::move(*pre));
    whole_piece_first_ = tiktoken || spec_.ignore_merges;
    std::vector<std::string>().swap(spec_.merges);  // now in pairs_
    return Status::Ok();
  }

  void encode_ordinary(std::string_view text, std::vector<int32_t>* out) const override {
    std::string normalized;
    if (spec_.normalize_nfc) {
      normalized = unicode::nfc(text);
      text = normalized;
    }
    std::vector<std::string_view> pieces;
    pre_->split(text, &pieces);
    std::vector<int32_t> parts;
    std::vector<int32_t> ranks;
    for (std::string_view piece : pieces) {
      if (whole_piece_first_) {
        const int32_t id = ids_.find(piece);
        if (id >= 0) {
          out->push_back(id);
          continue;
        }
      }
      merge_piece(piece, &parts, &ranks);
      out->insert(out->end(), parts.begin(), parts.end());
    }
  }

  // parts <- the piece's bytes as tokens, merged to completion.
  void merge_piece(std::string_view piece, std::vector<int32_t>* parts,
                   std::vector<int32_t>* ranks) const {
    parts->clear();
    for (unsigned char c : piece) parts->push_back(byte_ids_[c]);
    if (std::find(parts->begin(), parts->end(), -1) != parts->end()) {
      // A vocabulary without some byte tokens: drop the bytes it cannot express.
      parts->erase(std::remove(parts->begin(), parts->end(), -1), parts->end());
    }
    ranks->assign(parts->size(), -1);
    std::vector<int32_t> merged(parts->size(), -1);
    auto rank_at = [&](size_t i) {
      const PairTable::Merge m = pairs_.find((*parts)[i], (*parts)[i + 1]);
      (*ranks)[i] = m.rank;
      merged[i] = m.id;
    };
    for (size_t i = 0; i + 1 < parts->size(); ++i) rank_at(i);
    while (parts->size() > 1) {
      size_t best = SIZE_MAX;
      for (size_t i = 0; i + 1 < parts->size(); ++i) {
        if ((*ranks)[i] >= 0 && (best == SIZE_MAX || (*ranks)[i] < (*ranks)[best])) best = i;
      }
      if (best == SIZE_MAX) break;
      (*parts)[best] = merged[best];
      parts->erase(parts->begin() + long(best) + 1);
      ranks->erase(ranks->begin() + long(best) + 1);
      merged.erase(merged.begin() + long(best) + 1);
      if (best + 1 < parts->size())
        rank_at(best);
      else
        (*ranks)[best] = -1;
      if (best > 0) rank_at(best - 1);
    }
  }

  StringIdTable ids_;
  PairTable pairs_;
  int32_t byte_ids_[256];
  std::unique_ptr<PreTokenizer> pre_;
  bool whole_piece_first_ = false;
};

}  // namespace

std::unique_ptr<Tokenizer> make_bpe(VocabSpec spec) {
  return std::make_unique<BpeTokenizer>(std::move(spec));
}

}  // namespace omni::tokenizer_impl
