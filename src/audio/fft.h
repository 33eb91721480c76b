// A complex FFT of any length, in double precision: mixed radix (4, 2, 3, 5, then any other prime
// factor by a direct DFT of that size), decimation in time, twiddles computed once per plan.
// Whisper's frame of 400 samples is 4 * 4 * 5 * 5.
#pragma once

#include <complex>
#include <cstddef>
#include <vector>

namespace omni {

class Fft {
 public:
  explicit Fft(size_t n);  // n >= 1
  size_t size() const { return n_; }

  // out[k] = sum_j in[j] * exp(-2 pi i j k / n). `in` and `out` hold n values each and must not
  // overlap. Not thread-safe per object (it has scratch space); use one Fft per thread.
  void forward(const std::complex<double>* in, std::complex<double>* out);

 private:
  void transform(const std::complex<double>* in, std::complex<double>* out, size_t n, size_t stride,
                 size_t level);

  size_t n_;
  std::vector<size_t> factors_;                // product == n_
  std::vector<std::complex<double>> twiddle_;  // exp(-2 pi i j / n) for j in [0, n)
  std::vector<std::complex<double>> scratch_;  // one butterfly's inputs
};

// The transform of n real values (n even) through a complex one of n/2: the even samples are the
// real parts, the odd ones the imaginary parts, and the two half spectra are separated after.
class RealFft {
 public:
  explicit RealFft(size_t n);  // n >= 2, even
  size_t size() const { return n_; }

  // out[k] for k in [0, n/2] (the other half is the conjugate mirror). Not thread-safe per object.
  void forward(const double* in, std::complex<double>* out);

 private:
  size_t n_;
  Fft half_;
  std::vector<std::complex<double>> twiddle_;  // exp(-2 pi i k / n) for k in [0, n/2]
  std::vector<std::complex<double>> packed_, spectrum_;
};

}  // namespace omni
