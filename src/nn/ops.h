// Elementwise and per-row building blocks of transformer layers, in float32. Rows are contiguous:
// a [n_rows, n] activation is n_rows consecutive rows of n floats.
#pragma once

#include <cstdint>

namespace omni::nn {

// y = x / sqrt(mean(x^2) + eps) * w, per row of n (y may alias x).
void rms_norm(const float* x, const float* w, float* y, int64_t n_rows, int64_t n, float eps);

// How RoPE pairs the dimensions of a head: kNormal rotates (2j, 2j+1) (GGUF `llama`, whose q/k
// weights are stored permuted for it); kNeox rotates (j, j + n_rot/2) (`qwen2`, `qwen3`).
enum class RopeStyle { kNormal, kNeox };

struct RopeParams {
  RopeStyle style = RopeStyle::kNormal;
  int n_rot = 0;  // dimensions rotated at the start of each head
  float freq_base = 10000.0f;
  const float* freq_factors = nullptr;  // [n_rot/2], each frequency divided by its factor (Llama 3)
};

// The frequencies of a RopeParams, computed once per forward pass: freq[j] = freq_base^(-2j /
// n_rot) for j < n_rot / 2, in double, as rope_angles reads them.
void rope_freqs(const RopeParams& p, double* freq);

// The cosine and sine of each rotated pair at position `pos`: cs[2j] = cos(theta_j), cs[2j + 1] =
// sin(theta_j), theta_j = pos * freq[j] (divided by freq_factors[j] where given); n_rot floats.
// Every head of every layer at that position uses the same n_rot floats.
void rope_angles(int64_t pos, const double* freq, const RopeParams& p, float* cs);

// Rotates every head of one token's vector `x` ([n_heads, head_dim]) by the angles `cs` of its
// position (rope_angles).
void rope(float* x, int n_heads, int head_dim, const float* cs, const RopeParams& p);

}  // namespace omni::nn
