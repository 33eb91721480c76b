// Whisper in Hugging Face form: names, config.json, and a checkpoint that holds the same values
// as a whisper.cpp file giving bit-identical encoder outputs and logits.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/mapped_file.h"
#include "base/thread_pool.h"
#include "models/audio/whisper/whisper_decoder.h"
#include "models/audio/whisper/whisper_encoder.h"
#include "models/audio/whisper/whisper_hf.h"
#include "models/audio/whisper/whisper_model.h"
#include "models/synth/synth_whisper.h"
#include "test_util.h"

namespace omni {
namespace {

TEST(WhisperHf, TensorNames) {
  EXPECT_EQ(whisper_hf_name("encoder.conv1.weight"), "model.encoder.conv1.weight");
  EXPECT_EQ(whisper_hf_name("encoder.positional_embedding"),
            "model.encoder.embed_positions.weight");
  EXPECT_EQ(whisper_hf_name("encoder.blocks.3.attn.query.bias"),
            "model.encoder.layers.3.self_attn.q_proj.bias");
  EXPECT_EQ(whisper_hf_name("decoder.blocks.11.cross_attn.key.weight"),
            "model.decoder.layers.11.encoder_attn.k_proj.weight");
  EXPECT_EQ(whisper_hf_name("decoder.blocks.0.cross_attn_ln.bias"),
            "model.decoder.layers.0.encoder_attn_layer_norm.bias");
  EXPECT_EQ(whisper_hf_name("decoder.blocks.2.mlp.2.weight"), "model.decoder.layers.2.fc2.weight");
  EXPECT_EQ(whisper_hf_name("encoder.blocks.0.mlp_ln.weight"),
            "model.encoder.layers.0.final_layer_norm.weight");
  EXPECT_EQ(whisper_hf_name("decoder.token_embedding.weight"), "model.decoder.embed_tokens.weight");
  EXPECT_EQ(whisper_hf_name("decoder.ln.bias"), "model.decoder.layer_norm.bias");
}

TEST(WhisperHf, ConfigRoundTrip) {
  auto h = whisper_preset("large-v3-turbo");
  ASSERT_TRUE(h.ok());
  auto back = whisper_hparams_from_config(whisper_config_json(*h));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->n_vocab, 51866);
  EXPECT_EQ(back->n_mels, 128);
  EXPECT_EQ(back->n_audio_layer, 32);
  EXPECT_EQ(back->n_text_layer, 4);
  EXPECT_EQ(back->n_text_ctx, 448);
  auto bad = whisper_hparams_from_config("{\"d_model\": 64}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'vocab_size' is missing"), std::string::npos);
  EXPECT_FALSE(whisper_hparams_from_config("not json").ok());
}

TEST(WhisperHf, SameValuesAsGgmlGiveTheSameBits) {
  for (const char* type : {"f32", "f16"}) {
    SynthOptions o;
    o.preset = "test";
    o.type = type;
    o.seed = 9;
    o.out_path = test::process_tmp_path(std::string("hf-") + type + ".bin");
    ASSERT_TRUE(synth_whisper_model(o, "ggml").ok());
    const std::string ggml_path = o.out_path;
    o.out_path = test::process_tmp_path(std::string("hf-") + type);
    Status s = synth_whisper_model(o, "safetensors");
    ASSERT_TRUE(s.ok()) << s.to_string();
    // vocab.json in GPT-2's byte alphabet: "Ġ" is the space byte.
    const std::string vocab = "{\"!\": 0, \"\\u0120the\": 264}";
    ASSERT_TRUE(write_file_atomic(o.out_path + "/vocab.json", vocab.data(), vocab.size()).ok());

    auto ggml = WhisperModel::load(ggml_path);
    auto hf = WhisperModel::load(o.out_path);
    ASSERT_TRUE(ggml.ok()) << ggml.status().to_string();
    ASSERT_TRUE(hf.ok()) << hf.status().to_string();
    ASSERT_EQ(hf->tokens().size(), 265u);
    EXPECT_EQ(hf->tokens()[264], " the");
    EXPECT_EQ(hf->mel_filters().weights, ggml->mel_filters().weights);

    LogMel window;
    window.n_mels = 80;
    window.n_frames = 128;
    window.data = test::random_floats(80 * 128, 3, 0.5f);
    ThreadPool pool(2);
    auto a = whisper_encode(*ggml, window, pool);
    auto b = whisper_encode(*hf, window, pool);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b) << type;
    WhisperDecoderState sa(*ggml), sb(*hf);
    ASSERT_TRUE(whisper_decoder_set_audio(*ggml, *a, sa, pool).ok());
    ASSERT_TRUE(whisper_decoder_set_audio(*hf, *b, sb, pool).ok());
    auto la = whisper_decode(*ggml, sa, {50258, 50259, 50359, 264}, pool);
    auto lb = whisper_decode(*hf, sb, {50258, 50259, 50359, 264}, pool);
    ASSERT_TRUE(la.ok() && lb.ok());
    EXPECT_EQ(*la, *lb) << type;
  }
}

TEST(WhisperHf, MissingTensorIsNamed) {
  SynthOptions o;
  o.preset = "test";
  o.out_path = test::process_tmp_path("hf-missing");
  ASSERT_TRUE(synth_whisper_model(o, "safetensors").ok());
  // Rewrite the checkpoint without one tensor.
  auto st = SafetensorsModel::open(o.out_path);
  ASSERT_TRUE(st.ok());
  std::vector<SafetensorsTensorData> kept;
  for (const SafetensorsTensor* t : st->tensors()) {
    if (t->name == "model.decoder.layers.1.fc1.bias") continue;
    kept.push_back({t->name, t->view.type, t->shape, t->view.data});
  }
  const std::string dir = test::process_tmp_path("hf-missing-2");
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(write_safetensors(dir + "/model.safetensors", kept).ok());
  std::filesystem::copy_file(o.out_path + "/config.json", dir + "/config.json",
                             std::filesystem::copy_options::overwrite_existing);
  auto model = WhisperModel::load(dir);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("tensor 'model.decoder.layers.1.fc1.bias' is missing"),
            std::string::npos)
      << model.status().to_string();
}

}  // namespace
}  // namespace omni
