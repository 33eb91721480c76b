#include <gtest/gtest.h>

#include <cmath>

#include "tensor/fp16.h"
#include "test_util.h"

namespace omni {
namespace {

// The value a half encodes, computed from the definition in double.
double half_value(uint16_t h) {
  const int sign = h >> 15, exp = (h >> 10) & 31, mant = h & 1023;
  const double mag = exp == 0 ? std::ldexp(mant, -24) : std::ldexp(1024 + mant, exp - 25);
  return sign ? -mag : mag;
}

TEST(Fp16, EveryFiniteHalfWidensExactlyAndRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    if (((h >> 10) & 31) == 31) continue;  // inf / nan below
    const float f = fp16_to_f32(uint16_t(h));
    ASSERT_EQ(double(f), half_value(uint16_t(h))) << std::hex << h;
    if (h != 0x8000) {
      ASSERT_EQ(f32_to_fp16(f), h) << std::hex << h;
    }
  }
  EXPECT_EQ(f32_to_fp16(-0.0f), 0x8000);
  EXPECT_TRUE(std::isinf(fp16_to_f32(0x7c00)));
  EXPECT_TRUE(std::isnan(fp16_to_f32(0x7e00)));
  EXPECT_EQ(f32_to_fp16(INFINITY), 0x7c00);
  EXPECT_EQ(f32_to_fp16(1e6f), 0x7c00);  // overflow
  EXPECT_TRUE(std::isnan(fp16_to_f32(f32_to_fp16(NAN))));
}

TEST(Fp16, NarrowingRoundsToNearestEven) {
  const auto xs = test::random_floats(200000, 5, 100.0f);
  for (float x0 : xs) {
    for (float x : {x0, x0 * 1e-5f, x0 * 1e-7f}) {
      const uint16_t h = f32_to_fp16(x);
      const double err = std::fabs(half_value(h) - x);
      for (int d : {-1, 1}) {
        const uint16_t n = uint16_t(h + d);
        if ((n & 0x7fff) >= 0x7c00 || ((n ^ h) & 0x8000)) continue;
        const double nerr = std::fabs(half_value(n) - x);
        ASSERT_TRUE(err < nerr || (err == nerr && (h & 1) == 0)) << x << " -> " << std::hex << h;
      }
    }
  }
  EXPECT_EQ(f32_to_fp16(1.0f + 1.0f / 2048), 0x3c00);     // tie -> even (down)
  EXPECT_EQ(f32_to_fp16(1.0f + 3.0f / 2048), 0x3c02);     // tie -> even (up)
  EXPECT_EQ(f32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie at the smallest subnormal
  EXPECT_EQ(f32_to_fp16(std::ldexp(1.5f, -25)), 0x0001);
}

TEST(Bf16, RoundsToNearestEvenAndWidensExactly) {
  for (uint32_t b = 0; b < 65536; ++b) {
    if (((b >> 7) & 0xff) == 0xff) continue;
    ASSERT_EQ(f32_to_bf16(bf16_to_f32(uint16_t(b))), b);
  }
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x3f808000u)), 0x3f80);  // tie -> even
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x3f818000u)), 0x3f82);
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x3f808001u)), 0x3f81);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
}

}  // namespace
}  // namespace omni
