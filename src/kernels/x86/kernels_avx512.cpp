// AVX-512 (F, BW, VL, DQ) kernels (512-bit vectors). Compiled with -mavx512f -mavx512bw
// -mavx512vl -mavx512dq; only reached when isa_supported(Isa::kAvx512).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include "kernels/kernels.h"
#include "kernels/reference_ops.h"
#include "kernels/tile_by_dots.h"
#include "tensor/block_unpack.h"

namespace omni::avx512 {
namespace {

using VecF = __m512;
constexpr int kLanes = 16;

inline VecF vload(const float* p) {
  return _mm512_loadu_ps(p);
}
inline void vstore(float* p, VecF v) {
  _mm512_storeu_ps(p, v);
}
inline VecF vset1(float x) {
  return _mm512_set1_ps(x);
}
inline VecF vadd(VecF a, VecF b) {
  return _mm512_add_ps(a, b);
}
inline VecF vsub(VecF a, VecF b) {
  return _mm512_sub_ps(a, b);
}
inline VecF vmul(VecF a, VecF b) {
  return _mm512_mul_ps(a, b);
}
inline VecF vfmadd(VecF a, VecF b, VecF c) {
  return _mm512_fmadd_ps(a, b, c);
}
inline float vreduce(VecF v) {
  return _mm512_reduce_add_ps(v);
}
inline VecF vload_i8(const int8_t* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(x));
}
VecF vload_f16(const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
VecF vload_bf16(const uint16_t* p) {
  const __m512i x = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(x, 16));
}
// Exact int8 dot and sum: 32 elements per 512-bit step, then one 256-bit step for a tail of 16.
inline int32_t dot_i8(const int8_t* a, const int8_t* b, int n) {
  __m512i acc = _mm512_setzero_si512();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512i a16 =
        _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)));
    const __m512i b16 =
        _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(a16, b16));
  }
  if (i < n) {
    const __m256i a16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    const __m256i b16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    acc = _mm512_add_epi32(acc, _mm512_zextsi256_si512(_mm256_madd_epi16(a16, b16)));
  }
  return _mm512_reduce_add_epi32(acc);
}
inline int32_t sum_i8(const int8_t* a, int n) {
  __m512i acc = _mm512_setzero_si512();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512i a16 =
        _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(a16, _mm512_set1_epi16(1)));
  }
  if (i < n) {
    const __m256i a16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    acc =
        _mm512_add_epi32(acc, _mm512_zextsi256_si512(_mm256_madd_epi16(a16, _mm256_set1_epi16(1))));
  }
  return _mm512_reduce_add_epi32(acc);
}

}  // namespace

#include "kernels/x86/simd_kernels.inc"

constinit const KernelTable kTable = make_table(Isa::kAvx512);

const KernelTable& table() {
  return kTable;
}

}  // namespace omni::avx512
