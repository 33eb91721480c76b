// AVX2 + FMA + F16C kernels (256-bit vectors). Compiled with -mavx2 -mfma -mf16c; only reached
// when isa_supported(Isa::kAvx2).
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

namespace omni::avx2 {
namespace {

using VecF = __m256;
constexpr int kLanes = 8;

inline VecF vload(const float* p) {
  return _mm256_loadu_ps(p);
}
inline void vstore(float* p, VecF v) {
  _mm256_storeu_ps(p, v);
}
inline VecF vset1(float x) {
  return _mm256_set1_ps(x);
}
inline VecF vadd(VecF a, VecF b) {
  return _mm256_add_ps(a, b);
}
inline VecF vsub(VecF a, VecF b) {
  return _mm256_sub_ps(a, b);
}
inline VecF vmul(VecF a, VecF b) {
  return _mm256_mul_ps(a, b);
}
inline VecF vfmadd(VecF a, VecF b, VecF c) {
  return _mm256_fmadd_ps(a, b, c);
}
inline float vreduce(VecF v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline VecF vload_i8(const int8_t* p) {
  const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(x));
}
VecF vload_f16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
VecF vload_bf16(const uint16_t* p) {
  const __m256i x = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(x, 16));
}
inline int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}
inline __m256i load_i8_as_i16(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline int32_t dot_i8(const int8_t* a, const int8_t* b, int n) {
  __m256i acc = _mm256_setzero_si256();
  for (int i = 0; i < n; i += 16) {
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(load_i8_as_i16(a + i), load_i8_as_i16(b + i)));
  }
  return hsum_i32(acc);
}
inline int32_t sum_i8(const int8_t* a, int n) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc = _mm256_setzero_si256();
  for (int i = 0; i < n; i += 16)
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(load_i8_as_i16(a + i), ones));
  return hsum_i32(acc);
}

}  // namespace

#include "kernels/x86/simd_kernels.inc"

constinit const KernelTable kTable = make_table(Isa::kAvx2);

const KernelTable& table() {
  return kTable;
}

}  // namespace omni::avx2
