// nn::matmul on the selected kernel table: its result does not depend on the thread count or on
// how many tokens are multiplied at once (decode and prefill give the same numbers), it equals
// the reference table's matmul up to float rounding, and an interleaved matrix gives exactly the
// plain one's numbers on every table.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "kernels/kernels.h"
#include "nn/matmul.h"
#include "tensor/interleave.h"
#include "test_util.h"

namespace omni {
namespace {

struct Case {
  DType type;
  int64_t n_in, n_out, n_tokens;
};

// A weight matrix [n_in, n_out] of `type` from random rows, and its view.
struct Weights {
  std::vector<uint8_t> bytes;
  TensorView view;
};
Weights make_weights(const Case& c) {
  Weights w;
  const size_t rb = row_bytes(c.type, c.n_in);
  for (int64_t r = 0; r < c.n_out; ++r) {
    if (c.type == DType::F32) {  // stored as is (quantize_row writes encoded types only)
      const auto row = test::random_floats(size_t(c.n_in), 77 + uint64_t(r));
      const auto* p = reinterpret_cast<const uint8_t*>(row.data());
      w.bytes.insert(w.bytes.end(), p, p + rb);
    } else {
      // Each 16 and 32 elements scaled and shifted differently, so that K-quant blocks get
      // distinct sub-block scales and mins (a kernel that mixes them up then fails).
      auto x = test::random_floats(size_t(c.n_in), 77 + uint64_t(r));
      for (size_t i = 0; i < x.size(); ++i)
        x[i] = x[i] * (0.25f + 0.3f * float(i / 16 % 7)) + 0.2f * float(i / 32 % 5);
      std::vector<uint8_t> row(rb);
      if (!quantize_row(c.type, x.data(), row.data(), c.n_in).ok()) row.clear();
      w.bytes.insert(w.bytes.end(), row.begin(), row.end());
    }
  }
  if (w.bytes.size() != rb * size_t(c.n_out)) {  // a test-setup bug, not a result
    std::fprintf(stderr, "cannot make %s rows\n", dtype_name(c.type));
    std::abort();
  }
  const int64_t ne[2] = {c.n_in, c.n_out};
  w.view = make_contiguous_view(c.type, 2, ne, w.bytes.data());
  return w;
}

std::vector<float> run(const KernelTable& k, const Weights& w, const std::vector<float>& x,
                       int64_t n_tokens, int threads) {
  ThreadPool pool(threads);
  nn::MatmulScratch scratch;
  std::vector<float> y(size_t(n_tokens * w.view.ne[1]), -1.0f);
  nn::matmul(k, w.view, x.data(), n_tokens, y.data(), pool, scratch);
  return y;
}

const Case kCases[] = {
    {DType::F32, 64, 13, 7},   {DType::F16, 96, 9, 5},   {DType::BF16, 64, 6, 4},
    {DType::Q4_0, 128, 11, 7}, {DType::Q8_0, 96, 10, 8}, {DType::Q4_K, 512, 9, 5},
    {DType::Q6_K, 256, 7, 4},  {DType::Q5_0, 64, 5, 3},  {DType::Q4_1, 64, 6, 2},
};

TEST(Matmul, SameResultForAnyThreadCountAndBatching) {
  const KernelTable& k = select_kernels();
  for (const Case& c : kCases) {
    const Weights w = make_weights(c);
    const auto x = test::random_floats(size_t(c.n_tokens * c.n_in), 99);
    const auto base = run(k, w, x, c.n_tokens, 1);
    for (int threads : {2, 3, 5}) {
      const auto y = run(k, w, x, c.n_tokens, threads);
      for (size_t i = 0; i < y.size(); ++i)
        ASSERT_EQ(test::bits(base[i]), test::bits(y[i]))
            << dtype_name(c.type) << " threads=" << threads << " i=" << i;
    }
    // One token at a time (decode) equals the batch (prefill).
    for (int64_t t = 0; t < c.n_tokens; ++t) {
      const std::vector<float> xt(x.begin() + t * c.n_in, x.begin() + (t + 1) * c.n_in);
      const auto y = run(k, w, xt, 1, 2);
      for (int64_t r = 0; r < c.n_out; ++r)
        ASSERT_EQ(test::bits(base[size_t(t * c.n_out + r)]), test::bits(y[size_t(r)]))
            << dtype_name(c.type) << " token=" << t << " row=" << r;
    }
  }
}

TEST(Matmul, MatchesReferenceTable) {
  for (const Case& c : kCases) {
    const Weights w = make_weights(c);
    const auto x = test::random_floats(size_t(c.n_tokens * c.n_in), 98);
    const auto want = run(reference_kernels(), w, x, c.n_tokens, 1);
    const auto got = run(select_kernels(), w, x, c.n_tokens, 2);
    std::vector<float> wf(size_t(c.n_in));
    for (int64_t t = 0; t < c.n_tokens; ++t) {
      for (int64_t r = 0; r < c.n_out; ++r) {
        // Bound: rounding of the activation encoding and of float sums, relative to the sum of
        // magnitudes of the products.
        reference_kernels().dequantize[uint32_t(c.type)](w.view.row(r), wf.data(), c.n_in);
        double mag = 0;
        for (int64_t i = 0; i < c.n_in; ++i)
          mag += std::fabs(double(wf[size_t(i)]) * x[size_t(t * c.n_in + i)]);
        const size_t i = size_t(t * c.n_out + r);
        EXPECT_NEAR(want[i], got[i], 1e-5 * mag) << dtype_name(c.type) << " t=" << t << " r=" << r;
      }
    }
  }
}

// matmuls (q/k/v, gate/up) gives each product exactly what matmul gives it alone, on any thread
// count: with one activation type (one loop over all rows) and with mixed types (Q4_K's Q8_K and
// Q5_0's Q8_0 activations, taken one product at a time).
TEST(Matmul, GroupedProductsEqualSingleOnes) {
  const KernelTable& k = select_kernels();
  const std::vector<std::vector<Case>> groups = {
      {{DType::Q4_0, 256, 13, 5}, {DType::Q8_0, 256, 6, 5}, {DType::Q5_0, 256, 9, 5}},
      {{DType::Q4_K, 256, 10, 4}, {DType::Q5_0, 256, 7, 4}},
      {{DType::F16, 96, 5, 1}, {DType::F32, 96, 7, 1}},
  };
  for (const auto& group : groups) {
    std::vector<Weights> ws;
    for (const Case& c : group) ws.push_back(make_weights(c));
    const int64_t n_tokens = group[0].n_tokens;
    const auto x = test::random_floats(size_t(n_tokens * group[0].n_in), 97);
    for (int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      nn::MatmulScratch scratch;
      std::vector<std::vector<float>> ys;
      std::vector<nn::MatmulJob> jobs;
      for (const Weights& w : ws) ys.emplace_back(size_t(n_tokens * w.view.ne[1]), -1.0f);
      for (size_t i = 0; i < ws.size(); ++i) jobs.push_back({&ws[i].view, ys[i].data()});
      nn::matmuls(k, jobs, x.data(), n_tokens, pool, scratch);
      for (size_t i = 0; i < ws.size(); ++i) {
        const auto want = run(k, ws[i], x, n_tokens, 1);
        for (size_t e = 0; e < want.size(); ++e)
          ASSERT_EQ(test::bits(want[e]), test::bits(ys[i][e]))
              << dtype_name(group[i].type) << " product " << i << " threads=" << threads
              << " e=" << e;
      }
    }
  }
}

// Interleaved rows (tensor/interleave.h) multiply to the plain matrix's floats bit for bit, on
// every table this CPU runs, for decode, prefill and odd token counts (every tile width up to
// kTile8Cols, and kTile16Cols), on any thread count, alone and grouped with a plain product.
TEST(Matmul, InterleavedRowsGiveThePlainResult) {
  const Case cases[] = {{DType::Q4_0, 256, 24, 7},
                        {DType::Q5_0, 96, 16, 5},
                        {DType::Q4_0, 32, 8, 1},
                        {DType::Q5_0, 896, 40, 1},
                        {DType::Q8_0, 160, 16, 4},
                        {DType::Q8_0, 896, 24, 1},
                        {DType::Q4_0, 128, 8, 64},
                        {DType::Q4_K, 256, 16, 1},
                        {DType::Q4_K, 512, 24, 5},
                        {DType::Q4_K, 256, 8, 64},
                        {DType::Q6_K, 256, 8, 3},
                        {DType::Q6_K, 768, 16, 1},
                        {DType::Q4_0, 64, 16, 5},
                        {DType::Q4_0, 96, 8, 3},
                        {DType::Q8_0, 64, 8, 6},
                        {DType::F16, 896, 16, 1},
                        {DType::F16, 48, 24, 7},
                        {DType::F16, 16, 8, 2},
                        {DType::BF16, 64, 16, 1},
                        {DType::BF16, 112, 8, 5},
                        // Pairs of groups by 16 tokens (vec_dot_tile16, where a table has it), with
                        // tails of tokens and a group left without its pair.
                        {DType::Q4_0, 256, 40, 37},
                        {DType::Q8_0, 160, 32, 16},
                        {DType::Q4_0, 64, 16, 48},
                        {DType::Q8_0, 96, 24, 35},
                        {DType::Q5_0, 128, 32, 21},
                        {DType::Q4_K, 512, 40, 33},
                        {DType::Q4_K, 256, 16, 16},
                        {DType::Q6_K, 512, 40, 33},
                        {DType::Q6_K, 256, 16, 16},
                        // Decode over a range of groups (vec_dot_groups), in pairs where a table
                        // pairs them, with a group left alone.
                        {DType::Q4_0, 256, 40, 1},
                        {DType::Q8_0, 128, 40, 1}};
  for (Isa isa : compiled_isas()) {
    if (!isa_supported(isa)) continue;
    const KernelTable& k = *kernel_table(isa);
    for (const Case& c : cases) {
      const Weights plain = make_weights(c);
      Weights inter = make_weights(c);
      interleave_rows(c.type, plain.bytes.data(), inter.bytes.data(), c.n_in, c.n_out);
      inter.view.rows_interleaved = true;
      const auto x = test::random_floats(size_t(c.n_tokens * c.n_in), 96);
      const auto want = run(k, plain, x, c.n_tokens, 1);
      for (int threads : {1, 2, 3}) {
        const auto got = run(k, inter, x, c.n_tokens, threads);
        for (size_t i = 0; i < want.size(); ++i)
          ASSERT_EQ(test::bits(want[i]), test::bits(got[i]))
              << isa_name(isa) << " " << dtype_name(c.type) << " n_in=" << c.n_in
              << " tokens=" << c.n_tokens << " threads=" << threads << " i=" << i;
      }
      // Grouped with a plain product of the same input (5 rows: not interleavable).
      // (The same activation type: F16 / BF16 with F16, K-quants with Q4_K, others with Q8_0.)
      const bool k_quant = c.type == DType::Q4_K || c.type == DType::Q6_K;
      const bool half = c.type == DType::F16 || c.type == DType::BF16;
      const DType other_type = k_quant ? DType::Q4_K : half ? DType::F16 : DType::Q8_0;
      const Case other{other_type, c.n_in, 5, c.n_tokens};
      const Weights w8 = make_weights(other);
      std::vector<float> y_inter(want.size(), -1.0f), y8(size_t(c.n_tokens * 5), -1.0f);
      const nn::MatmulJob jobs[] = {{&w8.view, y8.data()}, {&inter.view, y_inter.data()}};
      ThreadPool pool(2);
      nn::MatmulScratch scratch;
      nn::matmuls(k, jobs, x.data(), c.n_tokens, pool, scratch);
      const auto want8 = run(k, w8, x, c.n_tokens, 1);
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_EQ(test::bits(want[i]), test::bits(y_inter[i])) << isa_name(isa) << " grouped";
      for (size_t i = 0; i < want8.size(); ++i)
        ASSERT_EQ(test::bits(want8[i]), test::bits(y8[i])) << isa_name(isa) << " grouped plain";
    }
  }
}

}  // namespace
}  // namespace omni
