#include "audio/mel.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "audio/fft.h"
#include "base/thread_pool.h"

namespace omni {
namespace {

// Slaney's mel scale (librosa's htk=False): linear below 1 kHz, logarithmic above.
constexpr double kFSp = 200.0 / 3.0;
constexpr double kMinLogHz = 1000.0;
const double kMinLogMel = kMinLogHz / kFSp;
const double kLogStep = std::log(6.4) / 27.0;

double hz_to_mel(double hz) {
  if (hz >= kMinLogHz) return kMinLogMel + std::log(hz / kMinLogHz) / kLogStep;
  return hz / kFSp;
}

double mel_to_hz(double mel) {
  if (mel >= kMinLogMel) return kMinLogHz * std::exp(kLogStep * (mel - kMinLogMel));
  return kFSp * mel;
}

// The filterbank's non-zero span per mel bin, so that the product skips the zeros.
struct Span {
  int begin = 0;
  int end = 0;
};

std::vector<Span> nonzero_spans(const MelFilterbank& f) {
  std::vector<Span> spans(static_cast<size_t>(f.n_mels));
  for (int m = 0; m < f.n_mels; ++m) {
    const float* row = f.weights.data() + size_t(m) * size_t(f.n_bins);
    int b = 0, e = f.n_bins;
    while (b < e && row[b] == 0.0f) ++b;
    while (e > b && row[e - 1] == 0.0f) --e;
    spans[size_t(m)] = {b, e};
  }
  return spans;
}

// log10(max(filters x power, 1e-10)) of frames [begin, end), written to logs[m * n_frames + t].
void mel_frames(const std::vector<double>& padded, const MelFilterbank& filters,
                const std::vector<Span>& spans, const std::vector<double>& window, int64_t begin,
                int64_t end, int64_t n_frames, std::vector<double>& logs) {
  RealFft fft(kWhisperNFft);
  std::vector<double> in(kWhisperNFft);
  std::vector<std::complex<double>> out(kWhisperNBins);
  std::vector<double> power(kWhisperNBins);
  for (int64_t t = begin; t < end; ++t) {
    const double* x = padded.data() + t * kWhisperHop;
    for (int j = 0; j < kWhisperNFft; ++j) in[size_t(j)] = x[j] * window[size_t(j)];
    fft.forward(in.data(), out.data());
    for (int k = 0; k < kWhisperNBins; ++k) power[size_t(k)] = std::norm(out[size_t(k)]);
    for (int m = 0; m < filters.n_mels; ++m) {
      const float* w = filters.weights.data() + size_t(m) * size_t(filters.n_bins);
      double sum = 0.0;
      for (int k = spans[size_t(m)].begin; k < spans[size_t(m)].end; ++k) {
        sum += double(w[k]) * power[size_t(k)];
      }
      logs[size_t(m) * size_t(n_frames) + size_t(t)] = std::log10(std::max(sum, 1e-10));
    }
  }
}

}  // namespace

MelFilterbank slaney_mel_filterbank(int n_mels, int n_fft, int sample_rate) {
  MelFilterbank f;
  f.n_mels = n_mels;
  f.n_bins = n_fft / 2 + 1;
  f.weights.assign(size_t(n_mels) * size_t(f.n_bins), 0.0f);

  // n_mels + 2 band edges evenly spaced in mel from 0 to sr/2 (numpy.linspace's arithmetic).
  const double min_mel = hz_to_mel(0.0);
  const double max_mel = hz_to_mel(sample_rate / 2.0);
  const int n_edges = n_mels + 2;
  const double step = (max_mel - min_mel) / (n_edges - 1);
  std::vector<double> edge_hz(static_cast<size_t>(n_edges));
  for (int i = 0; i < n_edges; ++i) {
    edge_hz[size_t(i)] = mel_to_hz(i == n_edges - 1 ? max_mel : i * step + min_mel);
  }
  for (int m = 0; m < n_mels; ++m) {
    const double lo = edge_hz[size_t(m)], mid = edge_hz[size_t(m) + 1], hi = edge_hz[size_t(m) + 2];
    // Slaney normalisation: each triangle has unit area in Hz.
    const double enorm = 2.0 / (hi - lo);
    for (int k = 0; k < f.n_bins; ++k) {
      const double hz = double(k) * sample_rate / n_fft;
      const double rising = (hz - lo) / (mid - lo);
      const double falling = (hi - hz) / (hi - mid);
      // librosa stores the triangle as float32 first, then scales it in double.
      const float tri = float(std::max(0.0, std::min(rising, falling)));
      f.weights[size_t(m) * size_t(f.n_bins) + size_t(k)] = float(double(tri) * enorm);
    }
  }
  return f;
}

StatusOr<LogMel> whisper_log_mel(std::span<const float> samples, const MelFilterbank& filters,
                                 const MelOptions& options) {
  if (filters.n_bins != kWhisperNBins || filters.n_mels < 1 ||
      filters.weights.size() != size_t(filters.n_mels) * size_t(filters.n_bins)) {
    return InvalidArgument("mel filterbank of %d x %d does not fit %d-point frames (%d bins)",
                           filters.n_mels, filters.n_bins, kWhisperNFft, kWhisperNBins);
  }
  if (options.pad_samples < 0) return InvalidArgument("negative mel padding");
  const int64_t n = int64_t(samples.size()) + options.pad_samples;
  const int64_t half = kWhisperNFft / 2;
  if (n <= half) {
    return InvalidArgument("%lld samples are too few for a spectrogram (at least %lld)",
                           (long long)n, (long long)half + 1);
  }
  // Reflect padding (the edge sample is not repeated): padded[half + i] == signal[i].
  std::vector<double> padded(size_t(n + 2 * half), 0.0);
  for (size_t i = 0; i < samples.size(); ++i) padded[size_t(half) + i] = samples[i];
  for (int64_t j = 1; j <= half; ++j) {
    padded[size_t(half - j)] = padded[size_t(half + j)];
    padded[size_t(half + n - 1 + j)] = padded[size_t(half + n - 1 - j)];
  }
  std::vector<double> window(kWhisperNFft);
  for (int j = 0; j < kWhisperNFft; ++j) {
    window[size_t(j)] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * j / kWhisperNFft);
  }

  LogMel mel;
  mel.n_mels = filters.n_mels;
  mel.n_frames = n / kWhisperHop;
  const std::vector<Span> spans = nonzero_spans(filters);
  std::vector<double> logs(size_t(mel.n_mels) * size_t(mel.n_frames));
  auto run = [&](size_t begin, size_t end, int) {
    mel_frames(padded, filters, spans, window, int64_t(begin), int64_t(end), mel.n_frames, logs);
  };
  if (options.pool) {
    options.pool->parallel_for(size_t(mel.n_frames), run);
  } else {
    run(0, size_t(mel.n_frames), 0);
  }

  const double floor = *std::max_element(logs.begin(), logs.end()) - 8.0;
  mel.data.resize(logs.size());
  for (size_t i = 0; i < logs.size(); ++i)
    mel.data[i] = float((std::max(logs[i], floor) + 4.0) / 4.0);
  return mel;
}

LogMel mel_window(const LogMel& mel, int64_t start, int64_t n_frames) {
  LogMel w;
  w.n_mels = mel.n_mels;
  w.n_frames = n_frames;
  w.data.assign(size_t(mel.n_mels) * size_t(n_frames), 0.0f);
  const int64_t available = std::clamp<int64_t>(mel.n_frames - start, 0, n_frames);
  if (start < 0 || available == 0) return w;
  for (int m = 0; m < mel.n_mels; ++m) {
    std::copy_n(mel.data.begin() + ptrdiff_t(size_t(m) * size_t(mel.n_frames) + size_t(start)),
                available, w.data.begin() + ptrdiff_t(size_t(m) * size_t(n_frames)));
  }
  return w;
}

}  // namespace omni
