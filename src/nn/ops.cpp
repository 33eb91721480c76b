#include "nn/ops.h"

#include <algorithm>
#include <cmath>

namespace omni::nn {

void rms_norm(const float* x, const float* w, float* y, int64_t n_rows, int64_t n, float eps) {
  for (int64_t r = 0; r < n_rows; ++r, x += n, y += n) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += double(x[i]) * x[i];
    const float scale = float(1.0 / std::sqrt(sum / double(n) + double(eps)));
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  }
}

void rope(float* x, int n_heads, int head_dim, int64_t pos, const RopeParams& p) {
  const int half = p.n_rot / 2;
  for (int j = 0; j < half; ++j) {
    double theta = double(pos) * std::pow(double(p.freq_base), -2.0 * j / p.n_rot);
    if (p.freq_factors) theta /= p.freq_factors[j];
    const float c = float(std::cos(theta)), s = float(std::sin(theta));
    const int a = p.style == RopeStyle::kNormal ? 2 * j : j;
    const int b = p.style == RopeStyle::kNormal ? 2 * j + 1 : j + half;
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + int64_t(h) * head_dim;
      const float x0 = v[a], x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

}  // namespace omni::nn
