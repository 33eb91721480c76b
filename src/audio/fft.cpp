#include "audio/fft.h"

#include <cassert>
#include <cmath>
#include <numbers>

namespace omni {
namespace {

// The plain product; std::complex's operator* also handles infinities and NaN through a slow
// library call.
inline std::complex<double> mul(std::complex<double> a, std::complex<double> b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

}  // namespace

Fft::Fft(size_t n) : n_(n) {
  assert(n >= 1);
  size_t rest = n;
  for (size_t p : {4, 2, 3, 5}) {
    while (rest % p == 0) {
      factors_.push_back(p);
      rest /= p;
    }
  }
  for (size_t p = 7; p * p <= rest; p += 2) {
    while (rest % p == 0) {
      factors_.push_back(p);
      rest /= p;
    }
  }
  if (rest > 1) factors_.push_back(rest);
  twiddle_.resize(n);
  for (size_t j = 0; j < n; ++j) {
    const double angle = -2.0 * std::numbers::pi * double(j) / double(n);
    twiddle_[j] = {std::cos(angle), std::sin(angle)};
  }
  size_t max_factor = 1;
  for (size_t p : factors_) max_factor = std::max(max_factor, p);
  scratch_.resize(max_factor);
}

void Fft::forward(const std::complex<double>* in, std::complex<double>* out) {
  transform(in, out, n_, 1, 0);
}

// Transforms the n values in[0], in[stride], ... into out[0..n). The sub-transform of length
// m = n / p over the q-th decimated sequence lands in out[q*m .. q*m+m); the butterflies then
// combine them in place: X[k + s*m] = sum_q w_n^(q*(k + s*m)) * Y_q[k].
// q * k * tw_step < n_ always (q < p, k < m), so no index needs reducing.
void Fft::transform(const std::complex<double>* in, std::complex<double>* out, size_t n,
                    size_t stride, size_t level) {
  if (n == 1) {
    out[0] = in[0];
    return;
  }
  const size_t p = factors_[level];
  const size_t m = n / p;
  if (m == 1) {
    for (size_t q = 0; q < p; ++q) out[q] = in[q * stride];
  } else {
    for (size_t q = 0; q < p; ++q)
      transform(in + q * stride, out + q * m, m, stride * p, level + 1);
  }

  // Twiddle the sub-transforms (z_q = w_n^(q*k) * Y_q[k]), then a DFT of size p across them:
  // X[k + s*m] = sum_q z_q * w_p^(q*s).
  const size_t tw_step = n_ / n;    // w_n^j == twiddle_[j * tw_step]
  const size_t root_step = n_ / p;  // w_p^j == twiddle_[j * root_step]
  std::complex<double>* z = scratch_.data();
  for (size_t k = 0; k < m; ++k) {
    z[0] = out[k];
    for (size_t q = 1; q < p; ++q) z[q] = mul(out[q * m + k], twiddle_[q * k * tw_step]);
    if (p == 2) {
      out[k] = z[0] + z[1];
      out[k + m] = z[0] - z[1];
    } else if (p == 4) {
      const std::complex<double> a = z[0] + z[2], b = z[0] - z[2], c = z[1] + z[3];
      const std::complex<double> d = z[1] - z[3];
      const std::complex<double> minus_i_d = {d.imag(), -d.real()};
      out[k] = a + c;
      out[k + m] = b + minus_i_d;
      out[k + 2 * m] = a - c;
      out[k + 3 * m] = b - minus_i_d;
    } else {
      for (size_t s = 0; s < p; ++s) {
        std::complex<double> sum = z[0];
        size_t j = 0;  // q * s mod p
        for (size_t q = 1; q < p; ++q) {
          j += s;
          if (j >= p) j -= p;
          sum += mul(z[q], twiddle_[j * root_step]);
        }
        out[k + s * m] = sum;
      }
    }
  }
}

RealFft::RealFft(size_t n) : n_(n), half_(n / 2), packed_(n / 2), spectrum_(n / 2) {
  assert(n >= 2 && n % 2 == 0);
  twiddle_.resize(n / 2 + 1);
  for (size_t k = 0; k <= n / 2; ++k) {
    const double angle = -2.0 * std::numbers::pi * double(k) / double(n);
    twiddle_[k] = {std::cos(angle), std::sin(angle)};
  }
}

// With z[j] = in[2j] + i in[2j+1] and Z its transform of length m = n/2, the transforms of the
// even and odd samples are E[k] = (Z[k] + conj(Z[m-k])) / 2 and O[k] = (Z[k] - conj(Z[m-k])) / 2i
// (indices mod m), and X[k] = E[k] + w_n^k O[k].
void RealFft::forward(const double* in, std::complex<double>* out) {
  const size_t m = n_ / 2;
  for (size_t j = 0; j < m; ++j) packed_[j] = {in[2 * j], in[2 * j + 1]};
  half_.forward(packed_.data(), spectrum_.data());
  for (size_t k = 0; k <= m; ++k) {
    const std::complex<double> a = spectrum_[k % m];
    const std::complex<double> b = std::conj(spectrum_[(m - k) % m]);
    const std::complex<double> even = 0.5 * (a + b);
    const std::complex<double> diff = 0.5 * (a - b);
    const std::complex<double> odd = {diff.imag(), -diff.real()};  // diff / i
    out[k] = even + mul(twiddle_[k], odd);
  }
}

}  // namespace omni
