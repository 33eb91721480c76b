#include <gtest/gtest.h>

#include <map>

#include "formats/gguf.h"
#include "models/synth/synth.h"
#include "models/text/llama_family.h"
#include "test_util.h"

namespace omni {
namespace {

StatusOr<GgufFile> synth(const std::string& arch, const std::string& type, int threads,
                         const std::string& name, const std::string& vocab = "") {
  SynthOptions o;
  o.arch = arch;
  o.type = type;
  o.vocab_path = vocab;
  o.seed = 5;
  o.out_path = test::tmp_path(name);
  ThreadPool pool(threads);
  OMNI_RETURN_IF_ERROR(synth_text_model(o, pool));
  return GgufFile::open(o.out_path);
}

TEST(Synth, TinyModelsCarryTheEcosystemsNamesAndKeys) {
  for (const char* arch : {"llama", "qwen2", "qwen3"}) {
    auto g = synth(arch, "f16", 2, std::string("synth-") + arch + ".gguf");
    ASSERT_TRUE(g.ok()) << g.status().to_string();
    const std::string a = arch;
    EXPECT_EQ(g->get_string("general.architecture").value(), a);
    for (const char* key :
         {".context_length", ".embedding_length", ".block_count", ".feed_forward_length",
          ".attention.head_count", ".attention.head_count_kv", ".rope.dimension_count"}) {
      EXPECT_TRUE(g->get_int(a + key).ok()) << a + key;
    }
    EXPECT_TRUE(g->get_float(a + ".attention.layer_norm_rms_epsilon").ok());
    EXPECT_TRUE(g->get_float(a + ".rope.freq_base").ok());
    EXPECT_EQ(g->get_int("general.file_type").value(), 1);
    const int64_t n_vocab = int64_t(g->find("tokenizer.ggml.tokens")->array.size());
    EXPECT_EQ(g->find_tensor("token_embd.weight")->view.ne[1], n_vocab);
    EXPECT_EQ(g->find_tensor("output.weight")->view.type, DType::F16);
    EXPECT_EQ(g->find_tensor("blk.1.ffn_norm.weight")->view.type, DType::F32);
    EXPECT_EQ(g->find_tensor("blk.0.attn_q.bias") != nullptr, a == "qwen2");
    EXPECT_EQ(g->find_tensor("blk.0.attn_k_norm.weight") != nullptr, a == "qwen3");
    EXPECT_EQ(g->find_tensor("blk.0.attn_k.weight")->view.ne[1], 2 * 64);  // n_head_kv * head_dim
  }
}

TEST(Synth, OutputDoesNotDependOnTheThreadCount) {
  ASSERT_TRUE(synth("qwen2", "q4_k_m", 1, "t1.gguf").ok());
  ASSERT_TRUE(synth("qwen2", "q4_k_m", 3, "t3.gguf").ok());
  auto a = read_file_to_string(test::tmp_path("t1.gguf"));
  auto b = read_file_to_string(test::tmp_path("t3.gguf"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b);
}

TEST(Synth, Q4KMRecipeOnTinyModel) {
  auto g = synth("llama", "q4_k_m", 2, "q4km.gguf");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(g->get_int("general.file_type").value(), 15);
  EXPECT_EQ(g->find_tensor("output.weight")->view.type, DType::Q6_K);
  EXPECT_EQ(g->find_tensor("token_embd.weight")->view.type, DType::Q4_K);
  // Two layers: layer 1 is in the last eighth (more bits), layer 0 is not.
  EXPECT_EQ(g->find_tensor("blk.1.attn_v.weight")->view.type, DType::Q6_K);
  EXPECT_EQ(g->find_tensor("blk.1.ffn_down.weight")->view.type, DType::Q6_K);
  EXPECT_EQ(g->find_tensor("blk.0.attn_v.weight")->view.type, DType::Q4_K);
  EXPECT_EQ(g->find_tensor("blk.0.attn_q.weight")->view.type, DType::Q4_K);
  EXPECT_EQ(g->find_tensor("blk.0.attn_norm.weight")->view.type, DType::F32);
}

// The mixed recipe on Qwen2.5-0.5B's shapes (width 896, not a multiple of 256), without
// writing the whole file: the choices alone.
TEST(Synth, Q4KMRecipeFallsBackOnNarrowRows) {
  const TextPreset* p = find_text_preset("qwen2.5-0.5b");
  ASSERT_NE(p, nullptr);
  std::map<std::string, DType> types;
  for (const auto& spec : text_tensor_specs(*find_text_arch("qwen2"), p->hp)) {
    types[spec.name] = synth_tensor_type("q4_k_m", spec, p->hp).value();
  }
  EXPECT_EQ(types.count("output.weight"), 0u);             // tied
  EXPECT_EQ(types["token_embd.weight"], DType::Q8_0);      // Q6_K -> Q8_0 (896 % 256 != 0)
  EXPECT_EQ(types["blk.5.attn_q.weight"], DType::Q5_0);    // Q4_K -> Q5_0
  EXPECT_EQ(types["blk.0.attn_v.weight"], DType::Q8_0);    // Q6_K -> Q8_0
  EXPECT_EQ(types["blk.0.ffn_down.weight"], DType::Q6_K);  // rows of 4864 = 19 * 256
  EXPECT_EQ(types["blk.4.ffn_down.weight"], DType::Q4_K);
  EXPECT_EQ(types["blk.5.ffn_down.weight"], DType::Q6_K);  // (5 - 3) % 3 == 2
  EXPECT_EQ(types["blk.0.attn_q.bias"], DType::F32);
}

TEST(Synth, CopiesARealVocabulary) {
  const std::string vocab = test::shared_data("tokenizers/ggml-vocab-llama-spm.gguf");
  auto g = synth("llama", "q8_0", 2, "with-vocab.gguf", vocab);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(g->find("tokenizer.ggml.tokens")->array.size(), 32000u);
  EXPECT_EQ(g->get_string("tokenizer.ggml.model").value(), "llama");
  EXPECT_EQ(g->find_tensor("token_embd.weight")->view.ne[1], 32000);
  EXPECT_EQ(g->get_int("llama.vocab_size").value(), 32000);
}

TEST(Synth, Llama32PresetCarriesRopeFactors) {
  const TextPreset* p = find_text_preset("llama-3.2-1b");
  ASSERT_NE(p, nullptr);
  const auto f = llama3_rope_factors(p->hp);
  ASSERT_EQ(f.size(), 32u);
  EXPECT_EQ(f.front(), 1.0f);  // highest frequency untouched
  EXPECT_EQ(f.back(), 32.0f);  // lowest frequency slowed by the full factor
  for (size_t i = 1; i < f.size(); ++i) EXPECT_GE(f[i], f[i - 1]);
}

TEST(Synth, BadOptionsAreClearErrors) {
  ThreadPool pool(1);
  SynthOptions o;
  o.out_path = test::tmp_path("x.gguf");
  o.preset = "gpt-5";
  EXPECT_NE(synth_text_model(o, pool).message().find("unknown preset 'gpt-5'"), std::string::npos);
  o.preset = "tiny";
  o.arch = "mamba";
  EXPECT_NE(synth_text_model(o, pool).message().find("unknown architecture 'mamba'"),
            std::string::npos);
  o.arch = "llama";
  o.vocab_path = test::tmp_path("no-vocab.gguf");
  EXPECT_EQ(synth_text_model(o, pool).code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace omni
