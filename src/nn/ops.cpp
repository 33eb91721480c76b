#include "nn/ops.h"

#include <algorithm>
#include <cmath>

namespace omni::nn {

void rms_norm(const float* x, const float* w, float* y, int64_t n_rows, int64_t n, float eps) {
  for (int64_t r = 0; r < n_rows; ++r, x += n, y += n) {
    // Four running sums, so the double additions do not wait on one another.
    double sum[4] = {0.0, 0.0, 0.0, 0.0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      for (int l = 0; l < 4; ++l) sum[l] += double(x[i + l]) * x[i + l];
    }
    for (; i < n; ++i) sum[0] += double(x[i]) * x[i];
    const double total = (sum[0] + sum[1]) + (sum[2] + sum[3]);
    const float scale = float(1.0 / std::sqrt(total / double(n) + double(eps)));
    for (i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  }
}

void rope_freqs(const RopeParams& p, double* freq) {
  for (int j = 0; j < p.n_rot / 2; ++j) freq[j] = std::pow(double(p.freq_base), -2.0 * j / p.n_rot);
}

void rope_angles(int64_t pos, const double* freq, const RopeParams& p, float* cs) {
  for (int j = 0; j < p.n_rot / 2; ++j) {
    double theta = double(pos) * freq[j];
    if (p.freq_factors) theta /= p.freq_factors[j];
    cs[2 * j] = float(std::cos(theta));
    cs[2 * j + 1] = float(std::sin(theta));
  }
}

void rope(float* x, int n_heads, int head_dim, const float* cs, const RopeParams& p) {
  const int half = p.n_rot / 2;
  for (int j = 0; j < half; ++j) {
    const float c = cs[2 * j], s = cs[2 * j + 1];
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
