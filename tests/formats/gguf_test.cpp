#include <gtest/gtest.h>

#include <glob.h>

#include "formats/gguf.h"
#include "tensor/quantize.h"
#include "test_util.h"

namespace omni {
namespace {

TEST(Gguf, WriterAndReaderRoundTripEveryValueType) {
  GgufWriter w;
  auto scalar = [](GgufType t, int64_t i, double f) {
    GgufValue v;
    v.type = t;
    v.i = i;
    v.f = f;
    return v;
  };
  w.set("u8", scalar(GgufType::kUint8, 200, 0));
  w.set("i8", scalar(GgufType::kInt8, -100, 0));
  w.set("u16", scalar(GgufType::kUint16, 60000, 0));
  w.set("i16", scalar(GgufType::kInt16, -30000, 0));
  w.set("u32", GgufValue::u32(4000000000u));
  w.set("i32", GgufValue::i32(-2000000000));
  w.set("u64", GgufValue::u64(~0ull));
  w.set("i64", scalar(GgufType::kInt64, INT64_MIN, 0));
  w.set("f32", GgufValue::f32(0.1f));
  w.set("f64", scalar(GgufType::kFloat64, 0, 0.1));
  w.set("bool", GgufValue::boolean(true));
  w.set("str", GgufValue::string(std::string("a\0b\xff", 4)));
  w.set("strs", GgufValue::string_array({"x", "", "yz"}));
  GgufValue nested;
  nested.type = GgufType::kArray;
  nested.elem_type = GgufType::kArray;
  nested.array = {GgufValue::i32_array({1, 2}), GgufValue::i32_array({}),
                  GgufValue::i32_array({3})};
  w.set("nested", nested);
  GgufValue empty;
  empty.type = GgufType::kArray;
  empty.elem_type = GgufType::kFloat32;
  w.set("empty", empty);

  const std::vector<float> x = test::random_floats(64 * 3, 9);
  ASSERT_TRUE(w.add_tensor("a", DType::F32, {64, 3}, [&](uint8_t* out, size_t n) {
                 std::memcpy(out, x.data(), n);
                 return Status::Ok();
               }).ok());
  ASSERT_TRUE(w.add_tensor("b", DType::Q8_0, {64, 3}, [&](uint8_t* out, size_t) {
                 return quantize_row(DType::Q8_0, x.data(), out, 64 * 3);
               }).ok());
  ASSERT_TRUE(w.add_tensor("c", DType::F16, {5}, [&](uint8_t* out, size_t n) {
                 std::memset(out, 0, n);
                 return Status::Ok();
               }).ok());
  const std::string path = test::tmp_path("roundtrip.gguf");
  ASSERT_TRUE(w.write(path).ok());

  auto g = GgufFile::open(path);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(g->version(), 3u);
  ASSERT_EQ(g->metadata().size(), 15u);
  for (const char* key : {"u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64",
                          "bool", "str", "strs", "nested", "empty"}) {
    ASSERT_NE(g->find(key), nullptr) << key;
    EXPECT_TRUE(*g->find(key) == *w.find(key)) << key << ": " << g->find(key)->summary();
  }
  EXPECT_EQ(g->find("u64")->i, int64_t(~0ull));
  EXPECT_EQ(float(g->find("f32")->f), 0.1f);
  EXPECT_EQ(g->find("str")->str.size(), 4u);
  EXPECT_EQ(g->find("nested")->array[2].array[0].i, 3);
  ASSERT_EQ(g->tensors().size(), 3u);
  const GgufTensorInfo* a = g->find_tensor("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->view.ne[0], 64);
  EXPECT_EQ(a->view.ne[1], 3);
  EXPECT_EQ(std::memcmp(a->view.data, x.data(), x.size() * 4), 0);
  EXPECT_EQ(g->find_tensor("b")->view.type, DType::Q8_0);
  EXPECT_EQ(g->find_tensor("b")->view.n_bytes(), 6u * 34);
  for (const auto& t : g->tensors()) EXPECT_EQ(t.offset % 32, 0u) << t.name;
  EXPECT_EQ(g->get_int("u32").value(), 4000000000ll);
  EXPECT_EQ(g->get_string("missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(g->get_string("u32").status().code(), StatusCode::kCorrupt);
}

TEST(Gguf, CustomAlignmentIsWrittenAndHonoured) {
  GgufWriter w;
  w.set_alignment(64);
  ASSERT_TRUE(w.add_tensor("t", DType::F32, {3}, [](uint8_t* o, size_t n) {
                 std::memset(o, 1, n);
                 return Status::Ok();
               }).ok());
  ASSERT_TRUE(w.add_tensor("u", DType::F32, {3}, [](uint8_t* o, size_t n) {
                 std::memset(o, 2, n);
                 return Status::Ok();
               }).ok());
  ASSERT_TRUE(w.write(test::tmp_path("align64.gguf")).ok());
  auto g = GgufFile::open(test::tmp_path("align64.gguf"));
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(g->alignment(), 64u);
  EXPECT_EQ(g->data_offset() % 64, 0u);
  EXPECT_EQ(g->find_tensor("u")->offset, 64u);
  EXPECT_EQ(static_cast<const uint8_t*>(g->find_tensor("u")->view.data)[0], 2);
}

TEST(Gguf, WriterRejectsBadTensors) {
  GgufWriter w;
  auto fill = [](uint8_t*, size_t) { return Status::Ok(); };
  EXPECT_FALSE(w.add_tensor("q", DType::Q4_K, {100, 2}, fill).ok());
  EXPECT_TRUE(w.add_tensor("q", DType::Q4_K, {256, 2}, fill).ok());
  EXPECT_FALSE(w.add_tensor("q", DType::Q4_K, {256, 2}, fill).ok());  // duplicate
  EXPECT_FALSE(w.add_tensor("r", DType::F32, {1, 1, 1, 1, 1}, fill).ok());
}

// The real vocabulary files from llama.cpp: metadata only, every value type they use.
TEST(Gguf, ReadsRealVocabularyFiles) {
  const struct {
    const char* file;
    size_t n_tokens;
    const char* model;
  } cases[] = {
      {"ggml-vocab-gpt-2.gguf", 50257, "gpt2"},
      {"ggml-vocab-llama-spm.gguf", 32000, "llama"},
      {"ggml-vocab-phi-3.gguf", 32064, "llama"},
      {"ggml-vocab-deepseek-llm.gguf", 102400, "gpt2"},
      {"ggml-vocab-deepseek-coder.gguf", 32256, "gpt2"},
      {"ggml-vocab-falcon.gguf", 65024, "gpt2"},
      {"ggml-vocab-bert-bge.gguf", 30522, "bert"},
  };
  for (const auto& c : cases) {
    const std::string path = test::shared_data(std::string("tokenizers/") + c.file);
    auto g = GgufFile::open(path);
    ASSERT_TRUE(g.ok()) << g.status().to_string() << " (the shared test data must be at "
                        << OMNI_SHARED_DATA << ")";
    const GgufValue* tokens = g->find("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr) << c.file;
    EXPECT_EQ(tokens->array.size(), c.n_tokens) << c.file;
    EXPECT_EQ(g->get_string("tokenizer.ggml.model").value(), c.model) << c.file;
  }
}

}  // namespace
}  // namespace omni
