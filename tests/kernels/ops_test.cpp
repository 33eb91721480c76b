// The non-matmul kernels of every table (kernels.h) against double precision computed here:
// attend (float and half caches) over shapes that cover the SIMD blocks and their tails, grouped
// heads, peaked softmaxes and a head size the SIMD code leaves to the reference, and over calls of
// many rows, each of which must give the floats it gives alone; silu_mul over a wide range and
// tails.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/kernels.h"
#include "tensor/fp16.h"

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

// Checks t.attend, or t.attend_f16 with the keys and values stored as halves (the reference then
// reads the same values, widened).
void check_table(const KernelTable& t, const Case& c, bool f16) {
  std::mt19937 rng(uint32_t(c.n_q * 1000 + c.head_dim + c.len));
  std::normal_distribution<float> nd(0.0f, 1.0f);
  // Keys and values interleaved with other heads' columns, as in a cache row (stride > head_dim).
  const size_t stride = size_t(c.head_dim) * 3;
  std::vector<float> q(size_t(c.n_q) * size_t(c.head_dim)), k(size_t(c.len) * stride),
      v(size_t(c.len) * stride), out(q.size(), NAN);
  std::vector<uint16_t> k16(k.size()), v16(v.size());
  for (float& x : q) x = nd(rng) * c.q_scale;
  for (float& x : k) x = nd(rng);
  for (float& x : v) x = nd(rng);
  for (size_t i = 0; f16 && i < k.size(); ++i) {
    k16[i] = f32_to_fp16(k[i]);
    v16[i] = f32_to_fp16(v[i]);
    k[i] = fp16_to_f32(k16[i]);
    v[i] = fp16_to_f32(v16[i]);
  }
  const float scale = 1.0f / std::sqrt(float(c.head_dim));
  AttendRows rows;
  rows.q = q.data();
  rows.out = out.data();
  rows.row_stride = q.size();
  rows.len = &c.len;
  rows.n_rows = 1;
  rows.n_q = c.n_q;
  if (f16) {
    t.attend_f16(rows, k16.data(), v16.data(), stride, c.head_dim, scale);
  } else {
    t.attend(rows, k.data(), v.data(), stride, c.head_dim, scale);
  }
  const std::vector<double> want = attend_double(q, c.n_q, k, v, stride, c.len, c.head_dim, scale);
  // Outputs are convex combinations of N(0, 1) values: an absolute bound fits them all.
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_NEAR(out[i], want[i], 2e-5)
        << isa_name(t.isa) << (f16 ? " f16" : " f32") << " n_q=" << c.n_q
        << " head_dim=" << c.head_dim << " len=" << c.len << " q_scale=" << c.q_scale << " at "
        << i;
  }
}

const Case kCases[] = {
    {1, 64, 1, 1.0f},    {1, 64, 7, 1.0f},    {7, 64, 64, 1.0f}, {7, 64, 65, 1.0f},
    {4, 64, 300, 1.0f},  {9, 128, 130, 1.0f}, {2, 80, 77, 1.0f}, {3, 256, 129, 1.0f},
    {8, 64, 1000, 8.0f}, {2, 96, 200, 30.0f}, {3, 12, 50, 1.0f}, {1, 264, 20, 1.0f},
};

TEST(Attend, ReferenceMatchesDoublePrecision) {
  for (const Case& c : kCases) {
    check_table(reference_kernels(), c, false);
    check_table(reference_kernels(), c, true);
  }
}

TEST(Attend, SimdTablesMatchDoublePrecision) {
  int checked = 0;
  for (Isa isa : compiled_isas()) {
    if (isa == Isa::kScalar) continue;
    if (!isa_supported(isa)) continue;  // reported by SimdTable's skipped tests
    for (const Case& c : kCases) {
      check_table(*kernel_table(isa), c, false);
      check_table(*kernel_table(isa), c, true);
    }
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "no SIMD table runs on this CPU";
}

// Rows of one call: n_rows rows of n_q heads, row r over its own len (first_len + r * step,
// capped at the cache), as prefill passes them. Every result must match double precision, and
// must be the same float, bit for bit, as when its row is passed alone and when the rows are
// passed in other groupings: a row's result may not depend on the rest of the call.
struct RowsCase {
  int n_rows, n_q, head_dim;
  int64_t first_len, step;
};

void check_rows(const KernelTable& t, const RowsCase& c, bool f16) {
  std::mt19937 rng(uint32_t(c.n_rows * 7919 + c.n_q * 131 + c.head_dim + c.first_len));
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<int64_t> lens(size_t(c.n_rows));
  int64_t max_len = 0;
  for (int r = 0; r < c.n_rows; ++r) {
    lens[size_t(r)] = std::max<int64_t>(1, c.first_len + r * c.step);
    max_len = std::max(max_len, lens[size_t(r)]);
  }
  const size_t hd = size_t(c.head_dim), row = size_t(c.n_q) * hd;
  const size_t stride = hd;  // a dense plane, as in KvCache
  std::vector<float> q(size_t(c.n_rows) * row), k(size_t(max_len) * stride),
      v(size_t(max_len) * stride);
  std::vector<uint16_t> k16(k.size()), v16(v.size());
  for (float& x : q) x = nd(rng);
  for (float& x : k) x = nd(rng);
  for (float& x : v) x = nd(rng);
  for (size_t i = 0; i < k.size(); ++i) {
    k16[i] = f32_to_fp16(k[i]);
    v16[i] = f32_to_fp16(v[i]);
    if (f16) {
      k[i] = fp16_to_f32(k16[i]);
      v[i] = fp16_to_f32(v16[i]);
    }
  }
  const float scale = 1.0f / std::sqrt(float(c.head_dim));
  // Rows [r0, r0 + n) in one call.
  auto run = [&](int r0, int n, std::vector<float>& out) {
    AttendRows rows;
    rows.q = q.data() + size_t(r0) * row;
    rows.out = out.data() + size_t(r0) * row;
    rows.row_stride = row;
    rows.len = lens.data() + r0;
    rows.n_rows = n;
    rows.n_q = c.n_q;
    if (f16)
      t.attend_f16(rows, k16.data(), v16.data(), stride, c.head_dim, scale);
    else
      t.attend(rows, k.data(), v.data(), stride, c.head_dim, scale);
  };
  std::vector<float> together(q.size(), NAN), alone(q.size(), NAN), pairs(q.size(), NAN);
  run(0, c.n_rows, together);
  for (int r = 0; r < c.n_rows; ++r) run(r, 1, alone);
  for (int r = 0; r < c.n_rows; r += 2) run(r, std::min(2, c.n_rows - r), pairs);
  const std::string what = std::string(isa_name(t.isa)) + (f16 ? " f16" : " f32") +
                           " rows=" + std::to_string(c.n_rows) + " n_q=" + std::to_string(c.n_q) +
                           " head_dim=" + std::to_string(c.head_dim);
  for (int r = 0; r < c.n_rows; ++r) {
    const std::vector<float> qr(q.begin() + std::ptrdiff_t(size_t(r) * row),
                                q.begin() + std::ptrdiff_t(size_t(r + 1) * row));
    const std::vector<double> want =
        attend_double(qr, c.n_q, k, v, stride, lens[size_t(r)], c.head_dim, scale);
    for (size_t i = 0; i < row; ++i) {
      const size_t at = size_t(r) * row + i;
      ASSERT_NEAR(together[at], want[i], 2e-5) << what << " row " << r << " at " << i;
      ASSERT_EQ(std::memcmp(&together[at], &alone[at], sizeof(float)), 0)
          << what << " row " << r << " at " << i << ": " << together[at] << " together, "
          << alone[at] << " alone";
      ASSERT_EQ(std::memcmp(&together[at], &pairs[at], sizeof(float)), 0)
          << what << " row " << r << " at " << i << ": " << together[at] << " together, "
          << pairs[at] << " in pairs";
    }
  }
}

// Alone, rows of up to 7 heads run by positions and rows of 8 or 16 by queries; together, all
// run by queries, in calls of up to kAttendQueries queries that split rows across calls. Spans
// end inside and at the edges of the 64-position blocks and run past the call's other rows.
const RowsCase kRowsCases[] = {
    {16, 2, 64, 1, 1},  {9, 4, 64, 60, 1},   {5, 7, 64, 120, 1}, {33, 1, 64, 100, 3},
    {6, 8, 128, 64, 1}, {4, 7, 96, 130, 17}, {12, 3, 80, 1, 11}, {40, 1, 256, 200, -5},
    {3, 16, 64, 2, 70}, {8, 2, 72, 63, 1},
};

TEST(Attend, RowsMatchDoublePrecisionAndEachRowAlone) {
  for (const RowsCase& c : kRowsCases) {
    check_rows(reference_kernels(), c, false);
    check_rows(reference_kernels(), c, true);
  }
  int checked = 0;
  for (Isa isa : compiled_isas()) {
    if (isa == Isa::kScalar || !isa_supported(isa)) continue;
    for (const RowsCase& c : kRowsCases) {
      check_rows(*kernel_table(isa), c, false);
      check_rows(*kernel_table(isa), c, true);
    }
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "no SIMD table runs on this CPU";
}

void check_silu_mul(const KernelTable& t) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> gate_d(-100.0f, 100.0f), up_d(-3.0f, 3.0f);
  for (int64_t n : {1, 7, 8, 9, 37, 4096}) {
    const size_t len = static_cast<size_t>(n);
    std::vector<float> g(len), u(len), y(len, NAN);
    for (int64_t i = 0; i < n; ++i) {
      // Half the gates in [-100, 100], half near 0 where silu bends.
      g[size_t(i)] = (i % 2) ? gate_d(rng) : gate_d(rng) / 20.0f;
      u[size_t(i)] = up_d(rng);
    }
    t.silu_mul(g.data(), u.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double gd = g[size_t(i)];
      const double want = gd / (1.0 + std::exp(-gd)) * double(u[size_t(i)]);
      ASSERT_NEAR(y[size_t(i)], want, 2e-6 * std::abs(want) + 1e-30)
          << isa_name(t.isa) << " n=" << n << " gate=" << gd;
    }
  }
}

TEST(SiluMul, EveryTableMatchesDoublePrecision) {
  check_silu_mul(reference_kernels());
  for (Isa isa : compiled_isas()) {
    if (isa != Isa::kScalar && isa_supported(isa)) check_silu_mul(*kernel_table(isa));
  }
}

}  // namespace
}  // namespace omni
