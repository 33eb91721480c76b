// Encoders for the 256-element "K" super-block types. A super-block stores one or two half-float
// factors (d, dmin) and small integer scales per group; each group's scale and minimum are first
// fitted in float, then quantized relative to the super-block factor, and the elements are
// finally rounded against the scales that the file will actually hold.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/fp16.h"
#include "tensor/quant_blocks.h"
#include "tensor/quantize.h"

namespace omni {
namespace {

int nearest(float v) {
  return int(std::nearbyint(v));
}

// Fits x[i] ~= scale * L[i] - offset with L in [0, top] and offset >= 0 (the group minimum is
// clamped to <= 0 so that zero stays representable), searching a few scales around the
// min/max one and refining each by least squares. Returns scale; *offset receives the offset.
float fit_scale_offset(const float* x, int n, int top, float* offset) {
  float min = std::min(0.0f, *std::min_element(x, x + n));
  const float max = *std::max_element(x, x + n);
  if (max <= min) {
    *offset = -min;
    return 0.0f;
  }
  float best_scale = (max - min) / top, best_min = min, best_err = INFINITY;
  for (int step = -4; step <= 8; ++step) {
    const float iscale = (top + 0.1f * step) / (max - min);
    // Least squares for x ~= a * L + b over the levels this scale picks.
    double sl = 0, sll = 0, sx = 0, slx = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest(iscale * (x[i] - min)), 0, top);
      sl += l;
      sll += double(l) * l;
      sx += x[i];
      slx += double(l) * x[i];
    }
    const double det = n * sll - sl * sl;
    if (det <= 0) continue;
    double a = (n * slx - sl * sx) / det;
    double b = (sll * sx - sl * slx) / det;
    if (b > 0) {  // a positive minimum would make zero unreachable
      b = 0;
      a = sll > 0 ? slx / sll : 0;
    }
    if (a <= 0) continue;
    double err = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest(float((x[i] - b) / a)), 0, top);
      const double e = a * l + b - x[i];
      err += e * e;
    }
    if (err < best_err) {
      best_err = float(err);
      best_scale = float(a);
      best_min = float(b);
    }
  }
  *offset = -best_min;
  return best_scale;
}

void pack_k4_scales(const int* sc, const int* mn, uint8_t* s) {
  std::memset(s, 0, kKScaleBytes);
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      s[j] |= uint8_t(sc[j]);
      s[j + 4] |= uint8_t(mn[j]);
    } else {
      s[j + 4] = uint8_t((sc[j] & 0x0f) | ((mn[j] & 0x0f) << 4));
      s[j - 4] |= uint8_t((sc[j] >> 4) << 6);
      s[j] |= uint8_t((mn[j] >> 4) << 6);
    }
  }
}

}  // namespace

void quantize_row_q4_k(const float* x, void* dst, int64_t n) {
  BlockQ4_K* y = static_cast<BlockQ4_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    float scales[8], offsets[8];
    float max_scale = 0, max_offset = 0;
    for (int g = 0; g < 8; ++g) {
      scales[g] = fit_scale_offset(x + 32 * g, 32, 15, &offsets[g]);
      max_scale = std::max(max_scale, scales[g]);
      max_offset = std::max(max_offset, offsets[g]);
    }
    const float d = max_scale / 63.0f, dmin = max_offset / 63.0f;
    int sc[8], mn[8];
    for (int g = 0; g < 8; ++g) {
      sc[g] = d > 0 ? std::clamp(nearest(scales[g] / d), 0, 63) : 0;
      mn[g] = dmin > 0 ? std::clamp(nearest(offsets[g] / dmin), 0, 63) : 0;
    }
    y[b].d = f32_to_fp16(d);
    y[b].dmin = f32_to_fp16(dmin);
    pack_k4_scales(sc, mn, y[b].scales);
    const float df = fp16_to_f32(y[b].d), dminf = fp16_to_f32(y[b].dmin);
    uint8_t levels[kQK_K];
    for (int g = 0; g < 8; ++g) {
      const float dl = df * float(sc[g]), ml = dminf * float(mn[g]);
      for (int i = 32 * g; i < 32 * (g + 1); ++i) {
        levels[i] = uint8_t(dl != 0.0f ? std::clamp(nearest((x[i] + ml) / dl), 0, 15) : 0);
      }
    }
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        y[b].qs[32 * c + l] = uint8_t(levels[64 * c + l] | (levels[64 * c + 32 + l] << 4));
      }
    }
  }
}

void quantize_row_q6_k(const float* x, void* dst, int64_t n) {
  BlockQ6_K* y = static_cast<BlockQ6_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    float scales[16];
    float max_scale = 0, amax_scale = 0;
    for (int g = 0; g < 16; ++g) {
      float amax = 0, max = 0;
      for (int i = 16 * g; i < 16 * (g + 1); ++i) {
        if (std::fabs(x[i]) > amax) {
          amax = std::fabs(x[i]);
          max = x[i];
        }
      }
      scales[g] = max / -32.0f;  // the extreme element maps to level -32
      if (std::fabs(scales[g]) > amax_scale) {
        amax_scale = std::fabs(scales[g]);
        max_scale = scales[g];
      }
    }
    const float iscale = max_scale != 0 ? -128.0f / max_scale : 0.0f;
    y[b].d = f32_to_fp16(iscale != 0 ? 1.0f / iscale : 0.0f);
    const float df = fp16_to_f32(y[b].d);
    int8_t levels[kQK_K];
    for (int g = 0; g < 16; ++g) {
      const int sc = std::clamp(nearest(iscale * scales[g]), -128, 127);
      y[b].scales[g] = int8_t(sc);
      const float dl = df * float(sc);
      for (int i = 16 * g; i < 16 * (g + 1); ++i) {
        levels[i] = int8_t(dl != 0.0f ? std::clamp(nearest(x[i] / dl), -32, 31) : 0);
      }
    }
    for (int h = 0; h < 2; ++h) {
      const int8_t* L = levels + 128 * h;
      uint8_t* ql = y[b].ql + 64 * h;
      uint8_t* qh = y[b].qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        const int q1 = L[l] + 32, q2 = L[l + 32] + 32, q3 = L[l + 64] + 32, q4 = L[l + 96] + 32;
        ql[l] = uint8_t((q1 & 0x0f) | ((q3 & 0x0f) << 4));
        ql[l + 32] = uint8_t((q2 & 0x0f) | ((q4 & 0x0f) << 4));
        qh[l] = uint8_t((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
      }
    }
  }
}

void quantize_row_q8_k(const float* x, void* dst, int64_t n) {
  BlockQ8_K* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    float amax = 0;
    for (int i = 0; i < kQK_K; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = d;
    for (int i = 0; i < kQK_K; ++i) y[b].qs[i] = int8_t(std::clamp(nearest(x[i] * id), -127, 127));
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int i = 16 * g; i < 16 * (g + 1); ++i) sum += y[b].qs[i];
      y[b].bsums[g] = int16_t(sum);
    }
  }
}

}  // namespace omni
