// The scalar reference table: dequantization from tensor/ and dot products written as plain
// loops. The per-block formulas here define the results that SIMD kernels must reproduce:
//   legacy:  sum over blocks of (dw * da) * isum  [+ (mw * da) * asum]
//   K types: sum over blocks of da * (d * isc) - da * (dmin * imn), where
//            isc = sum_g sc[g] * isum_g and imn = sum_g mn[g] * asum_g are exact integers.
#include "kernels/kernels.h"
#include "kernels/reference_ops.h"
#include "kernels/tile_by_dots.h"
#include "tensor/block_unpack.h"
#include "tensor/quantize.h"

namespace omni {
namespace {

template <DType T>
void dequantize(const void* src, float* dst, int64_t n) {
  dequantize_row_ref(T, src, dst, n);
}

float dot_f32(int64_t n, const void* w, const void* a) {
  const float* x = static_cast<const float*>(w);
  const float* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

float dot_f16(int64_t n, const void* w, const void* a) {
  const uint16_t* x = static_cast<const uint16_t*>(w);
  const float* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += fp16_to_f32(x[i]) * y[i];
  return sum;
}

float dot_bf16(int64_t n, const void* w, const void* a) {
  const uint16_t* x = static_cast<const uint16_t*>(w);
  const float* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += bf16_to_f32(x[i]) * y[i];
  return sum;
}

template <typename Block>
float dot_legacy(int64_t n, const void* w, const void* a) {
  const Block* wb = static_cast<const Block*>(w);
  const BlockQ8_0* ab = static_cast<const BlockQ8_0*>(a);
  Unpacked32 u;
  float sum = 0.0f;
  for (int64_t b = 0; b < n / 32; ++b) {
    unpack_block(wb[b], &u);
    const float da = fp16_to_f32(ab[b].d);
    int32_t isum = 0, asum = 0;
    for (int i = 0; i < 32; ++i) {
      isum += int32_t(u.q[i]) * ab[b].qs[i];
      asum += ab[b].qs[i];
    }
    sum += (u.d * da) * float(isum);
    if (u.has_min) sum += (u.m * da) * float(asum);
  }
  return sum;
}

template <typename Block>
float dot_k(int64_t n, const void* w, const void* a) {
  const Block* wb = static_cast<const Block*>(w);
  const BlockQ8_K* ab = static_cast<const BlockQ8_K*>(a);
  Unpacked256 u;
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    unpack_block(wb[b], &u);
    int32_t isc = 0, imn = 0;
    for (int g = 0; g < kQK_K / u.group_size; ++g) {
      int32_t isum = 0, asum = 0;
      for (int i = g * u.group_size; i < (g + 1) * u.group_size; ++i) {
        isum += int32_t(u.q[i]) * ab[b].qs[i];
        asum += ab[b].qs[i];
      }
      isc += u.sc[g] * isum;
      imn += u.mn[g] * asum;
    }
    const float da = ab[b].d;
    sum += da * (u.d * float(isc)) - da * (u.dmin * float(imn));
  }
  return sum;
}

KernelTable make_reference_table() {
  KernelTable t{};
  t.isa = Isa::kScalar;
  t.dequantize[uint32_t(DType::F32)] = dequantize<DType::F32>;
  t.dequantize[uint32_t(DType::F16)] = dequantize<DType::F16>;
  t.dequantize[uint32_t(DType::BF16)] = dequantize<DType::BF16>;
  t.dequantize[uint32_t(DType::Q4_0)] = dequantize<DType::Q4_0>;
  t.dequantize[uint32_t(DType::Q4_1)] = dequantize<DType::Q4_1>;
  t.dequantize[uint32_t(DType::Q5_0)] = dequantize<DType::Q5_0>;
  t.dequantize[uint32_t(DType::Q5_1)] = dequantize<DType::Q5_1>;
  t.dequantize[uint32_t(DType::Q8_0)] = dequantize<DType::Q8_0>;
  t.dequantize[uint32_t(DType::Q2_K)] = dequantize<DType::Q2_K>;
  t.dequantize[uint32_t(DType::Q3_K)] = dequantize<DType::Q3_K>;
  t.dequantize[uint32_t(DType::Q4_K)] = dequantize<DType::Q4_K>;
  t.dequantize[uint32_t(DType::Q5_K)] = dequantize<DType::Q5_K>;
  t.dequantize[uint32_t(DType::Q6_K)] = dequantize<DType::Q6_K>;
  t.dequantize[uint32_t(DType::Q8_K)] = dequantize<DType::Q8_K>;
  t.vec_dot[uint32_t(DType::F32)] = dot_f32;
  t.vec_dot[uint32_t(DType::F16)] = dot_f16;
  t.vec_dot[uint32_t(DType::BF16)] = dot_bf16;
  t.vec_dot[uint32_t(DType::Q4_0)] = dot_legacy<BlockQ4_0>;
  t.vec_dot[uint32_t(DType::Q4_1)] = dot_legacy<BlockQ4_1>;
  t.vec_dot[uint32_t(DType::Q5_0)] = dot_legacy<BlockQ5_0>;
  t.vec_dot[uint32_t(DType::Q5_1)] = dot_legacy<BlockQ5_1>;
  t.vec_dot[uint32_t(DType::Q8_0)] = dot_legacy<BlockQ8_0>;
  t.vec_dot[uint32_t(DType::Q2_K)] = dot_k<BlockQ2_K>;
  t.vec_dot[uint32_t(DType::Q3_K)] = dot_k<BlockQ3_K>;
  t.vec_dot[uint32_t(DType::Q4_K)] = dot_k<BlockQ4_K>;
  t.vec_dot[uint32_t(DType::Q5_K)] = dot_k<BlockQ5_K>;
  t.vec_dot[uint32_t(DType::Q6_K)] = dot_k<BlockQ6_K>;
  t.vec_dot[uint32_t(DType::Q8_K)] = dot_k<BlockQ8_K>;
  t.quantize_act[uint32_t(DType::Q8_0)] = quantize_row_q8_0;
  t.quantize_act[uint32_t(DType::Q8_K)] = quantize_row_q8_k;
  t.vec_dot_tile[uint32_t(DType::F32)] = tile_by_dots<dot_f32>;
  t.vec_dot_tile[uint32_t(DType::F16)] = tile_by_dots<dot_f16>;
  t.vec_dot_tile[uint32_t(DType::BF16)] = tile_by_dots<dot_bf16>;
  t.vec_dot_tile[uint32_t(DType::Q4_0)] = tile_by_dots<dot_legacy<BlockQ4_0>>;
  t.vec_dot_tile[uint32_t(DType::Q4_1)] = tile_by_dots<dot_legacy<BlockQ4_1>>;
  t.vec_dot_tile[uint32_t(DType::Q5_0)] = tile_by_dots<dot_legacy<BlockQ5_0>>;
  t.vec_dot_tile[uint32_t(DType::Q5_1)] = tile_by_dots<dot_legacy<BlockQ5_1>>;
  t.vec_dot_tile[uint32_t(DType::Q8_0)] = tile_by_dots<dot_legacy<BlockQ8_0>>;
  t.vec_dot_tile8[uint32_t(DType::Q4_0)] = tile8_by_dots<DType::Q4_0, dot_legacy<BlockQ4_0>>;
  t.vec_dot_tile8[uint32_t(DType::Q5_0)] = tile8_by_dots<DType::Q5_0, dot_legacy<BlockQ5_0>>;
  t.vec_dot_tile8[uint32_t(DType::Q8_0)] = tile8_by_dots<DType::Q8_0, dot_legacy<BlockQ8_0>>;
  t.vec_dot_tile8[uint32_t(DType::Q4_K)] = tile8_by_dots<DType::Q4_K, dot_k<BlockQ4_K>>;
  t.vec_dot_tile8[uint32_t(DType::Q6_K)] = tile8_by_dots<DType::Q6_K, dot_k<BlockQ6_K>>;
  t.vec_dot_tile8[uint32_t(DType::F16)] = tile8_by_dots<DType::F16, dot_f16>;
  t.vec_dot_tile8[uint32_t(DType::BF16)] = tile8_by_dots<DType::BF16, dot_bf16>;
  t.vec_dot_tile[uint32_t(DType::Q2_K)] = tile_by_dots<dot_k<BlockQ2_K>>;
  t.vec_dot_tile[uint32_t(DType::Q3_K)] = tile_by_dots<dot_k<BlockQ3_K>>;
  t.vec_dot_tile[uint32_t(DType::Q4_K)] = tile_by_dots<dot_k<BlockQ4_K>>;
  t.vec_dot_tile[uint32_t(DType::Q5_K)] = tile_by_dots<dot_k<BlockQ5_K>>;
  t.vec_dot_tile[uint32_t(DType::Q6_K)] = tile_by_dots<dot_k<BlockQ6_K>>;
  t.vec_dot_tile[uint32_t(DType::Q8_K)] = tile_by_dots<dot_k<BlockQ8_K>>;
  t.attend = attend_reference;
  t.attend_f16 = attend_f16_reference;
  t.silu_mul = silu_mul_reference;
  return t;
}

}  // namespace

const KernelTable& reference_kernels() {
  static const KernelTable table = make_reference_table();
  return table;
}

}  // namespace omni
