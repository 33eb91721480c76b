// The attend kernel of every table (kernels.h) against attention computed here in double
// precision: shapes that cover the SIMD blocks and their tails, grouped heads, peaked softmaxes,
// and a head size the SIMD code leaves to the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/kernels.h"

namespace omni {
namespace {

struct Case {
  int n_q, head_dim;
  int64_t len;
  float q_scale;  // large values make the softmax peaked (scores in the hundreds)
};

// out[i] = sum_p softmax_p(scale q_i . k_p) v_p, all in double.
std::vector<double> attend_double(const std::vector<float>& q, int n_q, const std::vector<float>& k,
                                  const std::vector<float>& v, size_t stride, int64_t len, int hd,
                                  float scale) {
  std::vector<double> out(size_t(n_q) * size_t(hd), 0.0);
  std::vector<double> s(static_cast<size_t>(len));
  for (int i = 0; i < n_q; ++i) {
    double max = -INFINITY;
    for (int64_t p = 0; p < len; ++p) {
      double dot = 0.0;
      for (int d = 0; d < hd; ++d)
        dot += double(q[size_t(i * hd + d)]) * double(k[size_t(p) * stride + size_t(d)]);
      s[size_t(p)] = dot * scale;
      max = std::max(max, s[size_t(p)]);
    }
    double sum = 0.0;
    for (double& x : s) sum += (x = std::exp(x - max));
    for (int64_t p = 0; p < len; ++p) {
      for (int d = 0; d < hd; ++d)
        out[size_t(i * hd + d)] += s[size_t(p)] / sum * double(v[size_t(p) * stride + size_t(d)]);
    }
  }
  return out;
}

void check_table(const KernelTable& t, const Case& c) {
  std::mt19937 rng(uint32_t(c.n_q * 1000 + c.head_dim + c.len));
  std::normal_distribution<float> nd(0.0f, 1.0f);
  // Keys and values interleaved with other heads' columns, as in a cache row (stride > head_dim).
  const size_t stride = size_t(c.head_dim) * 3;
  std::vector<float> q(size_t(c.n_q) * size_t(c.head_dim)), k(size_t(c.len) * stride),
      v(size_t(c.len) * stride), out(q.size(), NAN);
  for (float& x : q) x = nd(rng) * c.q_scale;
  for (float& x : k) x = nd(rng);
  for (float& x : v) x = nd(rng);
  const float scale = 1.0f / std::sqrt(float(c.head_dim));
  t.attend(q.data(), c.n_q, k.data(), v.data(), stride, c.len, c.head_dim, scale, out.data());
  const std::vector<double> want = attend_double(q, c.n_q, k, v, stride, c.len, c.head_dim, scale);
  // Outputs are convex combinations of N(0, 1) values: an absolute bound fits them all.
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_NEAR(out[i], want[i], 2e-5)
        << isa_name(t.isa) << " n_q=" << c.n_q << " head_dim=" << c.head_dim << " len=" << c.len
        << " q_scale=" << c.q_scale << " at " << i;
  }
}

const Case kCases[] = {
    {1, 64, 1, 1.0f},    {1, 64, 7, 1.0f},    {7, 64, 64, 1.0f}, {7, 64, 65, 1.0f},
    {4, 64, 300, 1.0f},  {9, 128, 130, 1.0f}, {2, 80, 77, 1.0f}, {3, 256, 129, 1.0f},
    {8, 64, 1000, 8.0f}, {2, 96, 200, 30.0f}, {3, 12, 50, 1.0f}, {1, 264, 20, 1.0f},
};

TEST(Attend, ReferenceMatchesDoublePrecision) {
  for (const Case& c : kCases) check_table(reference_kernels(), c);
}

TEST(Attend, SimdTablesMatchDoublePrecision) {
  int checked = 0;
  for (Isa isa : compiled_isas()) {
    if (isa == Isa::kScalar) continue;
    if (!isa_supported(isa)) continue;  // reported by SimdTable's skipped tests
    for (const Case& c : kCases) check_table(*kernel_table(isa), c);
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "no SIMD table runs on this CPU";
}

}  // namespace
}  // namespace omni
