#include <gtest/gtest.h>

#include <cmath>

#include "tensor/block_unpack.h"
#include "tensor/quantize.h"
#include "test_util.h"

namespace omni {
namespace {

double relative_rms_error(DType t, const std::vector<float>& x) {
  const int64_t n = int64_t(x.size());
  std::vector<uint8_t> q(row_bytes(t, n));
  EXPECT_TRUE(quantize_row(t, x.data(), q.data(), n).ok());
  std::vector<float> y(x.size());
  dequantize_row_ref(t, q.data(), y.data(), n);
  double err = 0, ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    err += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
    ref += double(x[i]) * x[i];
  }
  return std::sqrt(err / ref);
}

// Round trip error on Gaussian data, with bounds about 1.3x what these encoders achieve; a layout
// or rounding bug shows up as an error near 1.
TEST(Quantize, RoundTripErrorIsWithinTheTypesPrecision) {
  const auto x = test::random_floats(16 * 256, 42);
  const struct {
    DType type;
    double bound;
  } cases[] = {
      {DType::F32, 0.0},   {DType::F16, 4e-4},   {DType::BF16, 3e-3}, {DType::Q8_0, 6e-3},
      {DType::Q8_K, 8e-3}, {DType::Q6_K, 0.025}, {DType::Q5_0, 0.06}, {DType::Q5_1, 0.05},
      {DType::Q4_K, 0.10}, {DType::Q4_0, 0.12},  {DType::Q4_1, 0.11},
  };
  for (const auto& c : cases) {
    const double e = relative_rms_error(c.type, x);
    EXPECT_LE(e, c.bound) << dtype_name(c.type);
    std::printf("  %-5s relative rms error %.5f\n", dtype_name(c.type), e);
  }
}

TEST(Quantize, ZerosStayZeros) {
  std::vector<float> x(512, 0.0f);
  for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q4_K,
                  DType::Q6_K, DType::Q8_K}) {
    std::vector<uint8_t> q(row_bytes(t, 512));
    ASSERT_TRUE(quantize_row(t, x.data(), q.data(), 512).ok());
    std::vector<float> y(512, 1.0f);
    dequantize_row_ref(t, q.data(), y.data(), 512);
    for (float v : y) ASSERT_EQ(v, 0.0f) << dtype_name(t);
  }
}

TEST(Quantize, RejectsWhatItCannotWrite) {
  std::vector<float> x(256, 1.0f);
  std::vector<uint8_t> q(1024);
  Status s = quantize_row(DType::Q2_K, x.data(), q.data(), 256);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("q2_k"), std::string::npos) << s.message();
  s = quantize_row(DType::Q4_K, x.data(), q.data(), 100);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("blocks of 256"), std::string::npos) << s.message();
}

// Hand-assembled blocks: the byte layout, independent of this project's encoders.
TEST(BlockLayout, Q4_0Nibbles) {
  BlockQ4_0 b{};
  b.d = 0x4000;     // 2.0
  b.qs[0] = 0x1f;   // element 0 = 15 - 8 = 7, element 16 = 1 - 8 = -7
  b.qs[15] = 0x80;  // element 15 = -8, element 31 = 0
  float y[32];
  dequantize_row_ref(DType::Q4_0, &b, y, 32);
  EXPECT_EQ(y[0], 14.0f);
  EXPECT_EQ(y[16], -14.0f);
  EXPECT_EQ(y[15], -16.0f);
  EXPECT_EQ(y[31], 0.0f);
  EXPECT_EQ(y[1], -16.0f);
}

TEST(BlockLayout, Q5_0HighBits) {
  BlockQ5_0 b{};
  b.d = 0x3c00;                                // 1.0
  const uint32_t qh = (1u << 3) | (1u << 20);  // fifth bit of elements 3 and 20
  std::memcpy(b.qh, &qh, 4);
  float y[32];
  dequantize_row_ref(DType::Q5_0, &b, y, 32);
  EXPECT_EQ(y[3], 0.0f);  // 16 - 16
  EXPECT_EQ(y[20], 0.0f);
  EXPECT_EQ(y[4], -16.0f);  // 0 - 16
}

TEST(BlockLayout, Q4_KScalesAndMins) {
  BlockQ4_K b{};
  b.d = 0x3c00;        // 1.0
  b.dmin = 0x3800;     // 0.5
  b.scales[0] = 3;     // group 0: scale 3
  b.scales[4] = 2;     // group 0: min 2
  b.scales[8] = 0x15;  // group 4: scale 5 (low 4 bits), min 1 (high 4 bits)
  b.qs[0] = 0x04;      // element 0 (group 0) = 4; element 32 (group 1) = 0
  b.qs[64] = 0x02;     // element 128 (group 4) = 2
  float y[256];
  dequantize_row_ref(DType::Q4_K, &b, y, 256);
  EXPECT_EQ(y[0], 3.0f * 4 - 0.5f * 2);
  EXPECT_EQ(y[1], -1.0f);
  EXPECT_EQ(y[128], 5.0f * 2 - 0.5f * 1);
}

TEST(BlockLayout, Q6_KSixBitsAndSignedScales) {
  BlockQ6_K b{};
  b.d = 0x3c00;
  for (auto& s : b.scales) s = 1;
  b.scales[4] = -2;              // group 4 = elements 64..79
  b.ql[0] = 0x0f;                // element 0 low nibble 15; element 64 low nibble 0
  b.qh[0] = 0x02 | (0x03 << 4);  // element 0 high bits 2, element 64 high bits 3
  float y[256];
  dequantize_row_ref(DType::Q6_K, &b, y, 256);
  EXPECT_EQ(y[0], float((15 | 2 << 4) - 32));
  EXPECT_EQ(y[64], -2.0f * float((0 | 3 << 4) - 32));
  EXPECT_EQ(y[1], -32.0f);
}

}  // namespace
}  // namespace omni
