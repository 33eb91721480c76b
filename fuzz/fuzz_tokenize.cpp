// libFuzzer target: any bytes given to each kind of tokenizer encode without crashing, and the
// ids decode (also token by token through the streaming decoder) to valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tokenizers/tokenizer.h"
#include "tokenizers/unicode.h"

namespace {

std::vector<std::unique_ptr<omni::Tokenizer>> make_tokenizers() {
  std::vector<std::unique_ptr<omni::Tokenizer>> out;
  // Byte-level BPE with GPT-2's byte mapping: the 256 byte tokens, a few merges, a control token.
  omni::VocabSpec bpe;
  bpe.model = "gpt2";
  bpe.pre = "qwen2";
  bpe.normalize_nfc = true;
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable =
        (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    std::string s;
    omni::unicode::append_utf8(printable ? uint32_t(b) : uint32_t(256 + extra++), &s);
    bpe.tokens.push_back(s);
  }
  for (const char* m : {"h e", "l l", "he ll", "hell o", "\xc4\xa0 w"}) {
    std::string a = m;
    bpe.merges.push_back(a);
    bpe.tokens.push_back(a.substr(0, a.find(' ')) + a.substr(a.find(' ') + 1));
  }
  bpe.tokens.push_back("<|end|>");
  bpe.types.assign(bpe.tokens.size(), omni::TokenType::kNormal);
  bpe.types.back() = omni::TokenType::kControl;
  out.push_back(omni::Tokenizer::create(bpe).value());
  // SentencePiece with byte fallback.
  omni::VocabSpec spm;
  spm.model = "llama";
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    spm.tokens.push_back(buf);
    spm.types.push_back(omni::TokenType::kByte);
    spm.scores.push_back(0);
  }
  for (const char* t : {"\xe2\x96\x81", "a", "b", "ab",
                        "\xe2\x96\x81"
                        "ab",
                        "\xed\x95\x9c"}) {
    spm.tokens.push_back(t);
    spm.types.push_back(omni::TokenType::kNormal);
    spm.scores.push_back(-float(spm.tokens.size()));
  }
  out.push_back(omni::Tokenizer::create(spm).value());
  // WordPiece.
  omni::VocabSpec wpm;
  wpm.model = "bert";
  for (const char* t : {"[UNK]",
                        "\xe2\x96\x81"
                        "a",
                        "b",
                        "\xe2\x96\x81"
                        "!",
                        "\xe2\x96\x81"
                        "\xe4\xb8\x80"})
    wpm.tokens.push_back(t);
  wpm.unk_id = 0;
  out.push_back(omni::Tokenizer::create(wpm).value());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tokenizers = make_tokenizers();
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const auto& t : tokenizers) {
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = t->encode(text, special);
      const std::string back = t->decode(ids);
      omni::StreamingDecoder stream(*t);
      std::string streamed;
      for (int32_t id : ids) {
        const std::string piece = stream.push(id);
        if (!omni::unicode::is_valid_utf8(piece)) __builtin_trap();
        streamed += piece;
      }
      streamed += stream.flush();
      if (!omni::unicode::is_valid_utf8(streamed)) __builtin_trap();
    }
  }
  return 0;
}
