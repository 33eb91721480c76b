// Unpacking of quantized blocks into small integers and their scales: the one definition of what
// each block means, shared by the reference dequantizer, the reference dot products and the SIMD
// kernels (which then only vectorize the float arithmetic on the unpacked values).
//
// Legacy blocks (32 elements):   x[i] = q[i] * d            (Q4_0, Q5_0, Q8_0)
//                                x[i] = q[i] * d + m        (Q4_1, Q5_1)
// K blocks (256 elements, groups of 16 or 32 consecutive elements, group g = i / group_size):
//                                x[i] = (d * sc[g]) * q[i] - (dmin * mn[g])
// Every product and sum above is one float32 operation, in that order.
//
// Functions here (and in fp16.h) are `static inline` on purpose: SIMD translation units include
// them under different -m flags, and internal linkage keeps the linker from merging an AVX-512
// copy into code that must run on any CPU.
#pragma once

#include <cstdint>
#include <cstring>

#include "tensor/fp16.h"
#include "tensor/quant_blocks.h"

namespace omni {

struct Unpacked32 {
  int8_t q[32];
  float d;
  float m;       // 0 unless has_min
  bool has_min;  // Q4_1 / Q5_1
};

struct Unpacked256 {
  int8_t q[256];
  int32_t sc[16];  // per-group scale multiplier
  int32_t mn[16];  // per-group min multiplier (0 for symmetric types)
  float d;
  float dmin;
  int group_size;  // 16, 32 or 256
};

static inline void unpack_block(const BlockQ4_0& b, Unpacked32* u) {
  for (int j = 0; j < 16; ++j) {
    u->q[j] = int8_t((b.qs[j] & 0x0f) - 8);
    u->q[j + 16] = int8_t((b.qs[j] >> 4) - 8);
  }
  u->d = fp16_to_f32(b.d);
  u->m = 0.0f;
  u->has_min = false;
}

static inline void unpack_block(const BlockQ4_1& b, Unpacked32* u) {
  for (int j = 0; j < 16; ++j) {
    u->q[j] = int8_t(b.qs[j] & 0x0f);
    u->q[j + 16] = int8_t(b.qs[j] >> 4);
  }
  u->d = fp16_to_f32(b.d);
  u->m = fp16_to_f32(b.m);
  u->has_min = true;
}

static inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

static inline void unpack_block(const BlockQ5_0& b, Unpacked32* u) {
  const uint32_t qh = load_u32(b.qh);
  for (int j = 0; j < 16; ++j) {
    u->q[j] = int8_t(((b.qs[j] & 0x0f) | (((qh >> j) & 1) << 4)) - 16);
    u->q[j + 16] = int8_t(((b.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16);
  }
  u->d = fp16_to_f32(b.d);
  u->m = 0.0f;
  u->has_min = false;
}

static inline void unpack_block(const BlockQ5_1& b, Unpacked32* u) {
  const uint32_t qh = load_u32(b.qh);
  for (int j = 0; j < 16; ++j) {
    u->q[j] = int8_t((b.qs[j] & 0x0f) | (((qh >> j) & 1) << 4));
    u->q[j + 16] = int8_t((b.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4));
  }
  u->d = fp16_to_f32(b.d);
  u->m = fp16_to_f32(b.m);
  u->has_min = true;
}

static inline void unpack_block(const BlockQ8_0& b, Unpacked32* u) {
  std::memcpy(u->q, b.qs, 32);
  u->d = fp16_to_f32(b.d);
  u->m = 0.0f;
  u->has_min = false;
}

// Scale j (0..7) and min j of the 12-byte Q4_K / Q5_K scale field (6 bits each).
static inline void k4_scale_min(int j, const uint8_t* s, int32_t* sc, int32_t* mn) {
  if (j < 4) {
    *sc = s[j] & 63;
    *mn = s[j + 4] & 63;
  } else {
    *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    *mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

static inline void unpack_block(const BlockQ2_K& b, Unpacked256* u) {
  // Two halves of 128; in each, four 2-bit planes of 32 bytes; each plane holds two groups of 16.
  for (int h = 0; h < 2; ++h) {
    const uint8_t* q = b.qs + 32 * h;
    for (int plane = 0; plane < 4; ++plane) {
      for (int l = 0; l < 32; ++l)
        u->q[128 * h + 32 * plane + l] = int8_t((q[l] >> (2 * plane)) & 3);
    }
  }
  for (int g = 0; g < 16; ++g) {
    u->sc[g] = b.scales[g] & 0x0f;
    u->mn[g] = b.scales[g] >> 4;
  }
  u->d = fp16_to_f32(b.d);
  u->dmin = fp16_to_f32(b.dmin);
  u->group_size = 16;
}

static inline void unpack_block(const BlockQ3_K& b, Unpacked256* u) {
  // 16 six-bit scales: low 4 bits in bytes 0..7 (two per byte), high 2 bits in bytes 8..11.
  for (int g = 0; g < 16; ++g) {
    const int low = (g < 8 ? b.scales[g] : b.scales[g - 8] >> 4) & 0x0f;
    const int high = (b.scales[8 + (g % 4)] >> (2 * (g / 4))) & 3;
    u->sc[g] = (low | (high << 4)) - 32;
    u->mn[g] = 0;
  }
  for (int h = 0; h < 2; ++h) {
    const uint8_t* q = b.qs + 32 * h;
    for (int plane = 0; plane < 4; ++plane) {
      const int mask_bit = 4 * h + plane;
      for (int l = 0; l < 32; ++l) {
        const int low = (q[l] >> (2 * plane)) & 3;
        const int high = (b.hmask[l] >> mask_bit) & 1;
        u->q[128 * h + 32 * plane + l] = int8_t(low - (high ? 0 : 4));
      }
    }
  }
  u->d = fp16_to_f32(b.d);
  u->dmin = 0.0f;
  u->group_size = 16;
}

static inline void unpack_block(const BlockQ4_K& b, Unpacked256* u) {
  for (int g = 0; g < 8; ++g) k4_scale_min(g, b.scales, &u->sc[g], &u->mn[g]);
  for (int c = 0; c < 4; ++c) {  // 4 chunks of 32 bytes: low nibbles = group 2c, high = 2c+1
    for (int l = 0; l < 32; ++l) {
      u->q[64 * c + l] = int8_t(b.qs[32 * c + l] & 0x0f);
      u->q[64 * c + 32 + l] = int8_t(b.qs[32 * c + l] >> 4);
    }
  }
  u->d = fp16_to_f32(b.d);
  u->dmin = fp16_to_f32(b.dmin);
  u->group_size = 32;
}

static inline void unpack_block(const BlockQ5_K& b, Unpacked256* u) {
  for (int g = 0; g < 8; ++g) k4_scale_min(g, b.scales, &u->sc[g], &u->mn[g]);
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      const int lo = b.qs[32 * c + l];
      u->q[64 * c + l] = int8_t((lo & 0x0f) | (((b.qh[l] >> (2 * c)) & 1) << 4));
      u->q[64 * c + 32 + l] = int8_t((lo >> 4) | (((b.qh[l] >> (2 * c + 1)) & 1) << 4));
    }
  }
  u->d = fp16_to_f32(b.d);
  u->dmin = fp16_to_f32(b.dmin);
  u->group_size = 32;
}

static inline void unpack_block(const BlockQ6_K& b, Unpacked256* u) {
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = b.ql + 64 * h;
    const uint8_t* qh = b.qh + 32 * h;
    int8_t* q = u->q + 128 * h;
    for (int l = 0; l < 32; ++l) {
      q[l] = int8_t(((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32);
      q[l + 32] = int8_t(((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32);
      q[l + 64] = int8_t(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
      q[l + 96] = int8_t(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
    }
  }
  for (int g = 0; g < 16; ++g) {
    u->sc[g] = b.scales[g];
    u->mn[g] = 0;
  }
  u->d = fp16_to_f32(b.d);
  u->dmin = 0.0f;
  u->group_size = 16;
}

static inline void unpack_block(const BlockQ8_K& b, Unpacked256* u) {
  std::memcpy(u->q, b.qs, 256);
  u->sc[0] = 1;
  u->mn[0] = 0;
  u->d = b.d;
  u->dmin = 0.0f;
  u->group_size = 256;
}

}  // namespace omni
