// Exactness against the published test vectors in ../shared/data: every line must give the same
// ids (and decode back to the same text). Each failing case is listed with its text.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "formats/gguf.h"
#include "models/vocab_from_gguf.h"
#include "test_util.h"
#include "tokenizers/tiktoken.h"
#include "tokenizers/unicode.h"

namespace omni {
namespace {

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) {
    if (!s.empty()) s += ' ';
    s += std::to_string(id);
  }
  return s;
}

std::unique_ptr<Tokenizer> load_encoding(const std::string& name) {
  auto t = load_tiktoken(name);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? std::move(*t) : nullptr;
}

// {"text", "ids"} lines, optionally {"allowed_special": "all"|"none"}.
// default_special: how lines without "allowed_special" treat special-token texts (tiktoken: as
// text; Hugging Face tokenizers: as the special tokens).
void check_jsonl(const Tokenizer& tok, const std::string& rel, int expected_lines,
                 bool default_special = false) {
  auto text = read_file_to_string(test::shared_data(rel));
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  int lines = 0, failures = 0;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    const std::string line = text->substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    const std::string input = j["text"];
    const bool special =
        j.contains("allowed_special") ? j["allowed_special"] == "all" : default_special;
    const std::vector<int32_t> want = j["ids"].get<std::vector<int32_t>>();
    const std::vector<int32_t> got = tok.encode(input, special);
    ++lines;
    if (got != want) {
      ++failures;
      ADD_FAILURE() << rel << " line " << lines << ": " << input.substr(0, 80) << "\n  want "
                    << show(want) << "\n  got  " << show(got);
    }
    // Decoding gives the text back (in NFC where the tokenizer normalizes to NFC).
    const std::string back = tok.spec().normalize_nfc ? unicode::nfc(input) : input;
    EXPECT_EQ(tok.decode(want), back) << rel << " line " << lines << " does not decode back";
  }
  EXPECT_EQ(lines, expected_lines) << rel;
  std::printf("  %s: %d/%d exact\n", rel.c_str(), lines - failures, lines);
}

TEST(TiktokenVectors, O200kBase) {
  auto t = load_encoding("o200k_base");
  ASSERT_TRUE(t);
  check_jsonl(*t, "o200k/o200k_vectors.jsonl", 167);
  check_jsonl(*t, "o200k/o200k_special_vectors.jsonl", 16);
}

TEST(TiktokenVectors, Cl100kBase) {
  auto t = load_encoding("cl100k_base");
  ASSERT_TRUE(t);
  check_jsonl(*t, "o200k/cl100k_vectors.jsonl", 167);
  check_jsonl(*t, "o200k/cl100k_special_vectors.jsonl", 18);
}

TEST(TiktokenVectors, O200kHarmony) {
  auto t = load_encoding("o200k_harmony");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->n_vocab(), 201088);
  check_jsonl(*t, "o200k/o200k_harmony_vectors.jsonl", 5);
}

TEST(TiktokenVectors, Qwen2Base) {
  auto t = load_encoding("qwen2_base");
  ASSERT_TRUE(t);
  check_jsonl(*t, "tokenizers/qwen2_vectors.jsonl", 167, /*default_special=*/true);
  check_jsonl(*t, "tokenizers/qwen2_special_vectors.jsonl", 4);
}

// llama.cpp's tokenizer tests: NAME.inp holds cases separated by "\n__ggml_vocab_test__\n",
// NAME.out one line of ids per case. Encoded without BOS and without parsing special tokens.
void check_llamacpp_pair(const Tokenizer& tok, const std::string& base) {
  auto inp = read_file_to_string(test::shared_data("tokenizers/" + base + ".inp"));
  auto out = read_file_to_string(test::shared_data("tokenizers/" + base + ".out"));
  ASSERT_TRUE(inp.ok() && out.ok()) << base;
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> cases;
  for (size_t pos = 0;;) {
    const size_t next = inp->find(sep, pos);
    if (next == std::string::npos) break;
    cases.push_back(inp->substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<std::vector<int32_t>> expected;
  for (size_t pos = 0; pos < out->size();) {
    size_t end = out->find('\n', pos);
    if (end == std::string::npos) end = out->size();
    std::vector<int32_t> ids;
    const std::string line = out->substr(pos, end - pos);
    for (size_t k = 0; k < line.size();) {
      while (k < line.size() && line[k] == ' ') ++k;
      if (k >= line.size()) break;
      ids.push_back(std::stoi(line.substr(k)));
      while (k < line.size() && line[k] != ' ') ++k;
    }
    expected.push_back(ids);
    pos = end + 1;
  }
  ASSERT_EQ(cases.size(), expected.size()) << base;
  int failures = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<int32_t> got = tok.encode(cases[i]);
    if (got != expected[i]) {
      ++failures;
      ADD_FAILURE() << base << " case " << i << ": '" << cases[i].substr(0, 60) << "'\n  want "
                    << show(expected[i]) << "\n  got  " << show(got);
    }
  }
  std::printf("  %s: %zu/%zu exact\n", base.c_str(), cases.size() - size_t(failures), cases.size());
}

void check_gguf_vocab(const std::string& name, const std::string& vectors = "") {
  auto file = GgufFile::open(test::shared_data("tokenizers/" + name));
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  auto tok = tokenizer_from_gguf(*file);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  check_llamacpp_pair(**tok, vectors.empty() ? name : vectors);
}

TEST(LlamaCppVectors, Gpt2) {
  check_gguf_vocab("ggml-vocab-gpt-2.gguf");
}
TEST(LlamaCppVectors, LlamaSpm) {
  check_gguf_vocab("ggml-vocab-llama-spm.gguf");
}
TEST(LlamaCppVectors, Phi3) {
  check_gguf_vocab("ggml-vocab-phi-3.gguf");
}
TEST(LlamaCppVectors, DeepseekLlm) {
  check_gguf_vocab("ggml-vocab-deepseek-llm.gguf");
}
TEST(LlamaCppVectors, DeepseekCoder) {
  check_gguf_vocab("ggml-vocab-deepseek-coder.gguf");
}
TEST(LlamaCppVectors, Falcon) {
  check_gguf_vocab("ggml-vocab-falcon.gguf");
}
TEST(LlamaCppVectors, BertBge) {
  check_gguf_vocab("ggml-vocab-bert-bge.gguf");
}
TEST(LlamaCppVectors, Qwen2ViaQwen25Gguf) {
  check_gguf_vocab("vocab-qwen25.gguf", "ggml-vocab-qwen2.gguf");
}
TEST(LlamaCppVectors, Qwen2ViaTiktokenRanks) {
  auto t = load_encoding("qwen2_base");
  ASSERT_TRUE(t);
  check_llamacpp_pair(*t, "ggml-vocab-qwen2.gguf");
}

TEST(Tiktoken, MissingOrBadRankFilesAreClearErrors) {
  auto t = load_tiktoken("p50k_base");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("unknown encoding 'p50k_base'"), std::string::npos);
  std::vector<std::string> tokens;
  EXPECT_FALSE(parse_tiktoken_ranks("QQ== 0\nQg== 2\n", &tokens).ok());  // gap in ranks
  EXPECT_FALSE(parse_tiktoken_ranks("QQ== x\n", &tokens).ok());          // bad rank
  EXPECT_FALSE(parse_tiktoken_ranks("Q!Q= 0\n", &tokens).ok());          // bad base64
  EXPECT_TRUE(parse_tiktoken_ranks("QQ== 0\nQg== 1\n", &tokens).ok());
  EXPECT_EQ(tokens, (std::vector<std::string>{"A", "B"}));
}

}  // namespace
}  // namespace omni
