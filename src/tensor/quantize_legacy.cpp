// Encoders for the 32-element block types. Each block gets its own scale (and minimum for the
// "_1" types) stored as a half float; elements are rounded to the nearest level.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/fp16.h"
#include "tensor/quant_blocks.h"
#include "tensor/quantize.h"

namespace omni {
namespace {

// The element of largest magnitude, with its sign.
float signed_absmax(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  return max;
}

// Level for v, clamped to [0, top]; v already offset so that the lowest level is at 0.
int level(float v, int top) {
  return int(std::clamp(v, 0.0f, float(top)));
}

}  // namespace

void quantize_row_q4_0(const float* x, void* dst, int64_t n) {
  BlockQ4_0* y = static_cast<BlockQ4_0*>(dst);
  for (int64_t b = 0; b < n / 32; ++b, x += 32) {
    const float d = signed_absmax(x, 32) / -8.0f;  // the extreme element maps to level 0 (-8)
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_fp16(d);
    for (int j = 0; j < 16; ++j) {
      const int lo = level(x[j] * id + 8.5f, 15), hi = level(x[j + 16] * id + 8.5f, 15);
      y[b].qs[j] = uint8_t(lo | (hi << 4));
    }
  }
}

void quantize_row_q4_1(const float* x, void* dst, int64_t n) {
  BlockQ4_1* y = static_cast<BlockQ4_1*>(dst);
  for (int64_t b = 0; b < n / 32; ++b, x += 32) {
    const float min = *std::min_element(x, x + 32), max = *std::max_element(x, x + 32);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_fp16(d);
    y[b].m = f32_to_fp16(min);
    for (int j = 0; j < 16; ++j) {
      const int lo = level((x[j] - min) * id + 0.5f, 15);
      const int hi = level((x[j + 16] - min) * id + 0.5f, 15);
      y[b].qs[j] = uint8_t(lo | (hi << 4));
    }
  }
}

void quantize_row_q5_0(const float* x, void* dst, int64_t n) {
  BlockQ5_0* y = static_cast<BlockQ5_0*>(dst);
  for (int64_t b = 0; b < n / 32; ++b, x += 32) {
    const float d = signed_absmax(x, 32) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      const int lo = level(x[j] * id + 16.5f, 31), hi = level(x[j + 16] * id + 16.5f, 31);
      y[b].qs[j] = uint8_t((lo & 0x0f) | ((hi & 0x0f) << 4));
      qh |= uint32_t(lo >> 4) << j;
      qh |= uint32_t(hi >> 4) << (j + 16);
    }
    std::memcpy(y[b].qh, &qh, 4);
  }
}

void quantize_row_q5_1(const float* x, void* dst, int64_t n) {
  BlockQ5_1* y = static_cast<BlockQ5_1*>(dst);
  for (int64_t b = 0; b < n / 32; ++b, x += 32) {
    const float min = *std::min_element(x, x + 32), max = *std::max_element(x, x + 32);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_fp16(d);
    y[b].m = f32_to_fp16(min);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      const int lo = level((x[j] - min) * id + 0.5f, 31);
      const int hi = level((x[j + 16] - min) * id + 0.5f, 31);
      y[b].qs[j] = uint8_t((lo & 0x0f) | ((hi & 0x0f) << 4));
      qh |= uint32_t(lo >> 4) << j;
      qh |= uint32_t(hi >> 4) << (j + 16);
    }
    std::memcpy(y[b].qh, &qh, 4);
  }
}

void quantize_row_q8_0(const float* x, void* dst, int64_t n) {
  BlockQ8_0* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / 32; ++b, x += 32) {
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_fp16(d);
    for (int j = 0; j < 32; ++j)
      y[b].qs[j] = int8_t(std::clamp(std::nearbyint(x[j] * id), -127.0f, 127.0f));
  }
}

}  // namespace omni
