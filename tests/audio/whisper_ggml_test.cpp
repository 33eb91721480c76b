// The whisper.cpp ggml reader: the real tiny header file, tensors in a file built here, and
// malformed files (each a Status naming the problem, never a crash).
#include <gtest/gtest.h>

#include <cstring>

#include "formats/whisper_ggml.h"
#include "tensor/fp16.h"
#include "test_util.h"

namespace omni {
namespace {

// Builds whisper.cpp ggml files byte by byte.
struct GgmlBuilder {
  std::vector<uint8_t> bytes;
  void i32(int32_t v) { raw(&v, 4); }
  void u32(uint32_t v) { raw(&v, 4); }
  void f32(float v) { raw(&v, 4); }
  void raw(const void* p, size_t n) {
    bytes.insert(bytes.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  }
  void header(int n_mels = 2, int n_bins = 3, std::vector<std::string> tokens = {"a", "bc"}) {
    u32(kWhisperGgmlMagic);
    for (int32_t v : {100, 1500, 64, 2, 1, 448, 64, 2, 1}) i32(v);
    i32(n_mels);
    i32(1001);  // f16 weights, quantization version 1
    i32(n_mels);
    i32(n_bins);
    for (int i = 0; i < n_mels * n_bins; ++i) f32(0.5f * float(i));
    i32(int32_t(tokens.size()));
    for (const auto& t : tokens) {
      u32(uint32_t(t.size()));
      raw(t.data(), t.size());
    }
  }
  void tensor(const std::string& name, int32_t type, std::vector<int32_t> ne, size_t data_bytes) {
    i32(int32_t(ne.size()));
    i32(int32_t(name.size()));
    i32(type);
    for (int32_t v : ne) i32(v);
    raw(name.data(), name.size());
    for (size_t i = 0; i < data_bytes; ++i) bytes.push_back(uint8_t(i * 7));
  }
};

StatusOr<WhisperGgmlFile> parse(const std::vector<uint8_t>& bytes) {
  return WhisperGgmlFile::parse(bytes.data(), bytes.size(), "test.bin");
}

TEST(WhisperGgml, ReadsTheTinyTestHeader) {
  auto file =
      WhisperGgmlFile::open(test::shared_data("models/whisper.cpp-for-tests-ggml-tiny.bin"));
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  const WhisperHparams& h = file->hparams();
  EXPECT_EQ(h.n_vocab, 51865);
  EXPECT_EQ(h.n_audio_ctx, 1500);
  EXPECT_EQ(h.n_audio_state, 384);
  EXPECT_EQ(h.n_audio_head, 6);
  EXPECT_EQ(h.n_audio_layer, 4);
  EXPECT_EQ(h.n_text_ctx, 448);
  EXPECT_EQ(h.n_text_state, 384);
  EXPECT_EQ(h.n_text_head, 6);
  EXPECT_EQ(h.n_text_layer, 4);
  EXPECT_EQ(h.n_mels, 80);
  EXPECT_EQ(h.ftype, 1);
  EXPECT_EQ(h.qnt_version, 0);
  EXPECT_EQ(file->mel_n_mels(), 80);
  EXPECT_EQ(file->mel_n_bins(), 201);
  ASSERT_EQ(file->tokens().size(), 50257u);
  EXPECT_EQ(file->tokens()[0], "!");
  EXPECT_EQ(file->tokens()[220], " ");
  // The opening of jfk.wav's transcript as the multilingual tokenizer splits it.
  EXPECT_EQ(file->tokens()[400], " And");
  EXPECT_EQ(file->tokens()[370], " so");
  EXPECT_EQ(file->tokens()[452], " my");
  EXPECT_EQ(file->tokens()[7177], " fellow");
  EXPECT_EQ(file->tokens()[6280], " Americans");
  EXPECT_TRUE(file->tensors().empty());
}

TEST(WhisperGgml, ReadsTensors) {
  GgmlBuilder b;
  b.header();
  b.tensor("encoder.conv1.bias", 0, {64, 1}, 64 * 4);
  b.tensor("decoder.token_embedding.weight", 1, {64, 100}, 64 * 100 * 2);
  b.tensor("encoder.blocks.0.mlp.0.weight", 8, {64, 3}, 2 * 34 * 3);  // q8_0: 34-byte blocks of 32
  auto file = parse(b.bytes);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->hparams().ftype, 1);
  EXPECT_EQ(file->hparams().qnt_version, 1);
  EXPECT_EQ(file->mel_filters(), (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f}));
  EXPECT_EQ(file->tokens(), (std::vector<std::string>{"a", "bc"}));
  ASSERT_EQ(file->tensors().size(), 3u);
  const WhisperGgmlTensor* emb = file->find_tensor("decoder.token_embedding.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->view.type, DType::F16);
  EXPECT_EQ(emb->view.ne[0], 64);
  EXPECT_EQ(emb->view.ne[1], 100);
  EXPECT_EQ(emb->view.nb[1], 128u);
  EXPECT_EQ(emb->view.data, b.bytes.data() + emb->offset);
  EXPECT_EQ(static_cast<const uint8_t*>(emb->view.data)[1], 7);
  const WhisperGgmlTensor* q = file->find_tensor("encoder.blocks.0.mlp.0.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->view.type, DType::Q8_0);
  EXPECT_EQ(q->offset + 2 * 34 * 3, b.bytes.size());
  EXPECT_EQ(file->find_tensor("missing"), nullptr);
}

void expect_corrupt(const std::vector<uint8_t>& bytes, const std::string& fragment) {
  auto file = parse(bytes);
  ASSERT_FALSE(file.ok()) << fragment;
  EXPECT_EQ(file.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(file.status().message().find("test.bin: "), std::string::npos)
      << file.status().to_string();
  EXPECT_NE(file.status().message().find(fragment), std::string::npos) << file.status().to_string();
}

TEST(WhisperGgml, MalformedFiles) {
  GgmlBuilder good;
  good.header();
  good.tensor("w", 0, {4, 2}, 32);

  std::vector<uint8_t> bad = good.bytes;
  bad[0] = 'x';
  expect_corrupt(bad, "not a whisper.cpp ggml file");

  bad = good.bytes;
  const int32_t zero_heads = 0;
  std::memcpy(bad.data() + 4 + 3 * 4, &zero_heads, 4);
  expect_corrupt(bad, "hyperparameter n_audio_head is 0");

  bad = good.bytes;
  const int32_t three_heads = 3;  // 64 is not a multiple of 3
  std::memcpy(bad.data() + 4 + 3 * 4, &three_heads, 4);
  expect_corrupt(bad, "not a multiple of the heads");

  GgmlBuilder b;
  b.header(3, 3);
  b.bytes[4 + 9 * 4] = 2;  // hparams say 2 mels, the filterbank 3
  expect_corrupt(b.bytes, "the mel filterbank has 3 mels");

  GgmlBuilder long_token;
  long_token.header(2, 3, {});
  long_token.bytes.resize(long_token.bytes.size() - 4);
  long_token.i32(1);
  long_token.u32(0x7fffffff);
  expect_corrupt(long_token.bytes, "has length 2147483647");

  GgmlBuilder dims;
  dims.header();
  dims.tensor("w", 0, {1, 1, 1, 1, 1}, 4);
  expect_corrupt(dims.bytes, "has 5 dimensions");

  GgmlBuilder type;
  type.header();
  type.tensor("w", 77, {4}, 16);
  expect_corrupt(type.bytes, "unknown ggml type 77");

  GgmlBuilder block;
  block.header();
  block.tensor("w", 8, {33}, 68);
  expect_corrupt(block.bytes, "not whole q8_0 blocks");

  GgmlBuilder negative;
  negative.header();
  negative.tensor("w", 0, {4, -2}, 0);
  expect_corrupt(negative.bytes, "dimension 1 of size -2");

  GgmlBuilder huge;
  huge.header();
  huge.tensor("w", 0, {1 << 30, 1 << 30, 1 << 30}, 0);
  expect_corrupt(huge.bytes, "dimension 1 of size 1073741824");

  GgmlBuilder twice;
  twice.header();
  twice.tensor("w", 0, {4}, 16);
  twice.tensor("w", 0, {4}, 16);
  expect_corrupt(twice.bytes, "tensor 'w' appears twice");

  GgmlBuilder data;
  data.header();
  data.tensor("w", 0, {4, 2}, 31);
  expect_corrupt(data.bytes, "ends past the end of the file");
}

// Every prefix of a valid file either parses (a cut between tensors) or names the truncation.
TEST(WhisperGgml, EveryTruncationIsAnError) {
  GgmlBuilder good;
  good.header();
  good.tensor("a", 0, {4}, 16);
  good.tensor("b", 1, {4, 2}, 16);
  size_t accepted = 0;
  for (size_t cut = 0; cut < good.bytes.size(); ++cut) {
    std::vector<uint8_t> prefix(good.bytes.begin(), good.bytes.begin() + ptrdiff_t(cut));
    auto file = parse(prefix);
    if (file.ok()) {
      ++accepted;
      EXPECT_LT(file->tensors().size(), 2u);
      continue;
    }
    EXPECT_EQ(file.status().code(), StatusCode::kCorrupt) << cut;
  }
  EXPECT_EQ(accepted, 2u);  // the header alone, and the header with tensor "a"
}

}  // namespace
}  // namespace omni
