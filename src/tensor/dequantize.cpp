#include <cassert>
#include <cstring>

#include "tensor/block_unpack.h"
#include "tensor/quantize.h"

namespace omni {
namespace {

template <typename Block>
void dequantize_legacy(const void* src, float* y, int64_t n) {
  const Block* blocks = static_cast<const Block*>(src);
  Unpacked32 u;
  for (int64_t b = 0; b < n / 32; ++b, y += 32) {
    unpack_block(blocks[b], &u);
    if (u.has_min) {
      for (int i = 0; i < 32; ++i) y[i] = float(u.q[i]) * u.d + u.m;
    } else {
      for (int i = 0; i < 32; ++i) y[i] = float(u.q[i]) * u.d;
    }
  }
}

template <typename Block>
void dequantize_k(const void* src, float* y, int64_t n) {
  const Block* blocks = static_cast<const Block*>(src);
  Unpacked256 u;
  for (int64_t b = 0; b < n / kQK_K; ++b, y += kQK_K) {
    unpack_block(blocks[b], &u);
    for (int g = 0; g < kQK_K / u.group_size; ++g) {
      const float scale = u.d * float(u.sc[g]);
      const float min = u.dmin * float(u.mn[g]);
      for (int i = g * u.group_size; i < (g + 1) * u.group_size; ++i) {
        y[i] = scale * float(u.q[i]) - min;
      }
    }
  }
}

}  // namespace

void dequantize_row_ref(DType type, const void* src, float* y, int64_t n) {
  const uint16_t* h = static_cast<const uint16_t*>(src);
  switch (type) {
    case DType::F32:
      std::memcpy(y, src, size_t(n) * 4);
      return;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_f32(h[i]);
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_f32(h[i]);
      return;
    case DType::Q4_0:
      return dequantize_legacy<BlockQ4_0>(src, y, n);
    case DType::Q4_1:
      return dequantize_legacy<BlockQ4_1>(src, y, n);
    case DType::Q5_0:
      return dequantize_legacy<BlockQ5_0>(src, y, n);
    case DType::Q5_1:
      return dequantize_legacy<BlockQ5_1>(src, y, n);
    case DType::Q8_0:
      return dequantize_legacy<BlockQ8_0>(src, y, n);
    case DType::Q2_K:
      return dequantize_k<BlockQ2_K>(src, y, n);
    case DType::Q3_K:
      return dequantize_k<BlockQ3_K>(src, y, n);
    case DType::Q4_K:
      return dequantize_k<BlockQ4_K>(src, y, n);
    case DType::Q5_K:
      return dequantize_k<BlockQ5_K>(src, y, n);
    case DType::Q6_K:
      return dequantize_k<BlockQ6_K>(src, y, n);
    case DType::Q8_K:
      return dequantize_k<BlockQ8_K>(src, y, n);
    default:
      assert(false && "dequantize_row_ref: type without can_dequantize");
  }
}

Status quantize_row(DType type, const float* x, void* dst, int64_t n) {
  const DTypeInfo* ti = dtype_info(uint32_t(type));
  if (!ti || !ti->can_quantize) {
    return Unsupported("cannot quantize to %s; this build writes: %s", ti ? ti->name : "?",
                       dtype_names(true).c_str());
  }
  if (n % ti->block_size != 0) {
    return InvalidArgument("a row of %lld elements cannot be stored as %s (blocks of %lld)",
                           (long long)n, ti->name, (long long)ti->block_size);
  }
  uint16_t* h = static_cast<uint16_t*>(dst);
  switch (type) {
    case DType::F32:
      std::memcpy(dst, x, size_t(n) * 4);
      break;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) h[i] = f32_to_fp16(x[i]);
      break;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) h[i] = f32_to_bf16(x[i]);
      break;
    case DType::Q4_0:
      quantize_row_q4_0(x, dst, n);
      break;
    case DType::Q4_1:
      quantize_row_q4_1(x, dst, n);
      break;
    case DType::Q5_0:
      quantize_row_q5_0(x, dst, n);
      break;
    case DType::Q5_1:
      quantize_row_q5_1(x, dst, n);
      break;
    case DType::Q8_0:
      quantize_row_q8_0(x, dst, n);
      break;
    case DType::Q4_K:
      quantize_row_q4_k(x, dst, n);
      break;
    case DType::Q6_K:
      quantize_row_q6_k(x, dst, n);
      break;
    case DType::Q8_K:
      quantize_row_q8_k(x, dst, n);
      break;
    default:
      return Internal("quantize_row: %s marked quantizable but not handled", ti->name);
  }
  return Status::Ok();
}

}  // namespace omni
