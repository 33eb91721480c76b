// Loading a text model: every malformed file is a clear error naming the file and the problem.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "models/synth/synth.h"
#include "models/text/text_model.h"
#include "tensor/interleave.h"
#include "test_util.h"

namespace omni {
namespace {

std::string base_model() {
  static const std::string path = [] {
    SynthOptions o;
    o.arch = "qwen3";
    o.type = "q4_0";
    o.out_path = test::process_tmp_path("text-model-base.gguf");
    ThreadPool pool(2);
    EXPECT_TRUE(synth_text_model(o, pool).ok());
    return o.out_path;
  }();
  return path;
}

// Copies the base model, letting `edit` rename (empty = drop) or reshape tensors and metadata.
std::string variant(const std::string& name,
                    const std::function<void(std::string&, std::vector<int64_t>&)>& edit_tensor,
                    const std::function<void(GgufWriter&)>& edit_meta = nullptr) {
  auto in = GgufFile::open(base_model());
  EXPECT_TRUE(in.ok());
  GgufWriter w;
  for (const auto& [k, v] : in->metadata()) w.set(k, v);
  if (edit_meta) edit_meta(w);
  for (const auto& t : in->tensors()) {
    std::string tname = t.name;
    std::vector<int64_t> ne(t.view.ne.begin(), t.view.ne.begin() + t.view.n_dims);
    edit_tensor(tname, ne);
    if (tname.empty()) continue;
    const TensorView v = t.view;
    EXPECT_TRUE(w.add_tensor(tname, v.type, ne, [v](uint8_t* out, size_t n) {
                   std::memset(out, 0, n);
                   std::memcpy(out, v.data, std::min(n, v.n_bytes()));
                   return Status::Ok();
                 }).ok());
  }
  const std::string path = test::process_tmp_path(name);
  EXPECT_TRUE(w.write(path).ok());
  return path;
}

void expect_load_error(const std::string& path, const std::string& fragment) {
  auto m = TextModel::load(path);
  ASSERT_FALSE(m.ok()) << "loaded " << path;
  EXPECT_NE(m.status().message().find(path), std::string::npos) << m.status().message();
  EXPECT_NE(m.status().message().find(fragment), std::string::npos) << m.status().message();
}

TEST(TextModel, LoadsTheBaseModel) {
  auto m = TextModel::load(base_model());
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(std::string((*m)->arch().name), "qwen3");
  EXPECT_EQ((*m)->layers().size(), 2u);
  EXPECT_FALSE((*m)->layers()[0].q_norm.empty());
  ASSERT_NE((*m)->tokenizer(), nullptr);
}

// Q4_0 matrices are copied with their rows interleaved (tensor/interleave.h): every row still
// reads back as the file's row, and the file itself is not changed.
TEST(TextModel, InterleavesQ4_0MatricesInMemoryOnly) {
  auto before = read_file_to_string(base_model());
  ASSERT_TRUE(before.ok());
  auto m = TextModel::load(base_model());
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  const TextLayer& l = (*m)->layers()[0];
  for (const TensorView* v : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) {
    EXPECT_EQ(v->type, DType::Q4_0);
    EXPECT_TRUE(v->rows_interleaved);
  }
  auto file = GgufFile::open(base_model());
  ASSERT_TRUE(file.ok());
  const TensorView& embd = (*m)->token_embedding();
  ASSERT_TRUE(embd.rows_interleaved);
  const TensorView& plain = file->find_tensor("token_embd.weight")->view;
  std::vector<uint8_t> row(row_bytes(embd.type, embd.ne[0]));
  for (int64_t r : {int64_t(0), int64_t(5), embd.ne[1] - 1}) {
    deinterleave_row(embd.type, embd.data, embd.ne[0], r, row.data());
    EXPECT_EQ(0, std::memcmp(row.data(), plain.row(r), row.size())) << "row " << r;
  }
  auto after = read_file_to_string(base_model());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*before == *after);
}

TEST(TextModel, MissingTensor) {
  expect_load_error(variant("missing.gguf",
                            [](std::string& n, std::vector<int64_t>&) {
                              if (n == "blk.1.ffn_up.weight") n.clear();
                            }),
                    "tensor 'blk.1.ffn_up.weight' is missing");
  expect_load_error(variant("missing-qknorm.gguf",
                            [](std::string& n, std::vector<int64_t>&) {
                              if (n == "blk.0.attn_k_norm.weight") n.clear();
                            }),
                    "tensor 'blk.0.attn_k_norm.weight' is missing");
}

TEST(TextModel, ShapeMismatch) {
  expect_load_error(variant("shape.gguf",
                            [](std::string& n, std::vector<int64_t>& ne) {
                              if (n == "blk.0.attn_output.weight") ne[1] = 128;
                            }),
                    "tensor 'blk.0.attn_output.weight' has shape [256, 128], expected [256, 256]");
}

TEST(TextModel, UnknownArchitectureAndBadHyperparameters) {
  expect_load_error(
      variant(
          "arch.gguf", [](std::string&, std::vector<int64_t>&) {},
          [](GgufWriter& w) { w.set("general.architecture", GgufValue::string("mamba")); }),
      "architecture 'mamba' is not a text model");
  expect_load_error(
      variant(
          "heads.gguf", [](std::string&, std::vector<int64_t>&) {},
          [](GgufWriter& w) { w.set("qwen3.attention.head_count_kv", GgufValue::u32(3)); }),
      "4 attention heads cannot be shared by 3 key/value heads");
  expect_load_error(variant(
                        "nolayers.gguf", [](std::string&, std::vector<int64_t>&) {},
                        [](GgufWriter& w) { w.erase("qwen3.block_count"); }),
                    "qwen3.block_count' is missing");
}

}  // namespace
}  // namespace omni
