// A model loaded from a Hugging Face checkpoint computes what the same model loaded from GGUF
// computes: the checkpoint is exported from a generated GGUF (q/k rows of `llama` put back in
// Hugging Face's order, which is then run with NeoX-style RoPE), and logits and tokenization must
// agree.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/session.h"
#include "models/export_hf.h"
#include "models/synth/synth.h"
#include "test_util.h"

namespace omni {
namespace {

void check_same_model(const std::string& arch, const std::string& preset, const std::string& type) {
  SynthOptions o;
  o.arch = arch;
  o.preset = preset;
  o.type = type;
  o.scale = 0.05f;
  o.out_path = test::process_tmp_path("hf-" + arch + "-" + type + ".gguf");
  ThreadPool pool(2);
  ASSERT_TRUE(synth_text_model(o, pool).ok());
  const std::string dir = test::process_tmp_path("hf-" + arch + "-" + type);
  Status s = export_hf(o.out_path, dir);
  ASSERT_TRUE(s.ok()) << s.to_string();
  auto gguf = TextModel::load(o.out_path);
  auto hf = TextModel::load(dir);
  ASSERT_TRUE(gguf.ok()) << gguf.status().to_string();
  ASSERT_TRUE(hf.ok()) << hf.status().to_string();
  EXPECT_TRUE((*hf)->neox_rope());
  // Both loaders interleave the same matrices (F16 / BF16 ones with short rows; not F32).
  for (size_t i = 0; i < (*gguf)->layers().size(); ++i) {
    const TextLayer &lg = (*gguf)->layers()[i], &lh = (*hf)->layers()[i];
    EXPECT_EQ(lg.wq.rows_interleaved, lh.wq.rows_interleaved) << arch << " layer " << i;
    EXPECT_EQ(lg.w_down.rows_interleaved, lh.w_down.rows_interleaved) << arch << " layer " << i;
    EXPECT_EQ(lh.wq.rows_interleaved, type != "f32") << arch << " " << type;
  }
  EXPECT_EQ((*gguf)->token_embedding().rows_interleaved, (*hf)->token_embedding().rows_interleaved);
  const std::string text = "The quick brown fox, 12345 — 안녕하세요!";
  const std::vector<int32_t> a = (*gguf)->tokenizer()->encode(text),
                             b = (*hf)->tokenizer()->encode(text);
  EXPECT_EQ(a, b) << arch;
  std::vector<float> la, lb;
  TextSession sa(**gguf, SessionOptions{64, 16}, pool), sb(**hf, SessionOptions{64, 16}, pool);
  ASSERT_TRUE(sa.set_tokens(a, &la).ok());
  ASSERT_TRUE(sb.set_tokens(a, &lb).ok());
  ASSERT_EQ(la.size(), lb.size());
  float max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < la.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(la[i]));
    max_diff = std::max(max_diff, std::fabs(la[i] - lb[i]));
  }
  EXPECT_LE(max_diff, 1e-5f * max_ref) << arch << " " << type;
  std::printf("  %s %s %s: max |gguf - hf| / max |gguf| = %.2e over %zu logits\n", arch.c_str(),
              preset.c_str(), type.c_str(), double(max_diff / max_ref), la.size());
}

TEST(HfModel, LlamaMatchesGguf) {
  check_same_model("llama", "tiny", "f32");
}
TEST(HfModel, Qwen2MatchesGguf) {
  check_same_model("qwen2", "tiny", "bf16");
}
TEST(HfModel, Qwen3MatchesGguf) {
  check_same_model("qwen3", "tiny", "f16");
}

TEST(HfModel, MissingConfigIsAClearError) {
  auto m = TextModel::load(test::tmp_path("no-such-dir"));
  ASSERT_FALSE(m.ok());
}

}  // namespace
}  // namespace omni
