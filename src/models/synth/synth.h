// Synthetic model files: random weights with real shapes, metadata keys and tensor names, so
// that tests and benchmarks exercise real code paths without downloading weights. Files written
// here follow llama.cpp's GGUF conventions and load in other GGUF readers unchanged.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "base/thread_pool.h"
#include "formats/gguf.h"

namespace omni {

struct SynthOptions {
  std::string arch;  // llama, qwen2, qwen3; empty = the preset's own
  std::string preset = "tiny";
  std::string type = "f32";  // f32 f16 bf16 q8_0 q4_0 q4_k q6_k q4_k_m
  uint64_t seed = 1;
  float scale = 0.02f;     // standard deviation of matrix weights
  std::string vocab_path;  // a GGUF whose tokenizer.* metadata is copied; empty = synthetic
  std::string out_path;
};

Status synth_text_model(const SynthOptions& options, ThreadPool& pool);

// The storage type synth gives one tensor for a --type choice: vectors stay F32; q4_k_m uses Q6_K
// for the output (or tied embedding) and for attn_v / ffn_down in the layers that get more bits;
// K types fall back to Q5_0 (for Q4_K) or Q8_0 (for Q6_K) on rows not a multiple of 256.
struct TextTensorSpec;
struct TextHParams;
StatusOr<DType> synth_tensor_type(const std::string& type, const TextTensorSpec& spec,
                                  const TextHParams& hp);

// Tokenizer metadata: a byte-level BPE vocabulary of n_vocab tokens (256 byte tokens, merges of
// common letter pairs, special tokens, then unused padding tokens).
void add_synthetic_vocab(GgufWriter& w, int64_t n_vocab);
// Copies every tokenizer.* key of the GGUF at `path`; returns its token count.
StatusOr<int64_t> copy_vocab(GgufWriter& w, const std::string& path);

// A file with one tensor per type that this build can dequantize, named "zoo.<type>" with shape
// [512, 3] and random block contents (scale fields finite). Used to check dequantization of every
// block layout against an independent reader.
Status write_tensor_zoo(const std::string& path, uint64_t seed);

// A deterministic pseudo-random stream (splitmix64), identical on every platform.
class SynthRng {
 public:
  explicit SynthRng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  float uniform() { return float(next() >> 40) * (1.0f / 16777216.0f); }  // [0, 1)
  // Approximately standard normal (sum of four uniforms, rescaled).
  float normal() { return (uniform() + uniform() + uniform() + uniform() - 2.0f) * 1.7320508f; }

 private:
  uint64_t state_;
};

uint64_t hash_name(uint64_t seed, const std::string& name);

}  // namespace omni
