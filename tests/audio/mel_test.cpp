// The FFT against a direct DFT, the Slaney filterbank against the one whisper.cpp ships, and the
// log-mel spectrogram's shape, padding, normalisation and thread independence. The values are
// compared with an independent numpy implementation in tests/reference/test_whisper_mel.py.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>

#include "audio/audio.h"
#include "audio/fft.h"
#include "audio/mel.h"
#include "audio_fixtures.h"
#include "base/thread_pool.h"
#include "formats/whisper_ggml.h"
#include "test_util.h"

namespace omni {
namespace {

TEST(Fft, MatchesDirectDft) {
  std::mt19937 rng(1);
  std::normal_distribution<double> normal;
  for (size_t n : {1, 2, 3, 4, 5, 7, 8, 12, 49, 100, 400, 401, 512, 1000}) {
    std::vector<std::complex<double>> in(n), out(n);
    for (auto& x : in) x = {normal(rng), normal(rng)};
    Fft fft(n);
    fft.forward(in.data(), out.data());
    double max_err = 0;
    for (size_t k = 0; k < n; ++k) {
      std::complex<double> sum = 0;
      for (size_t j = 0; j < n; ++j) {
        sum += in[j] * std::polar(1.0, -2.0 * std::numbers::pi * double(j * k % n) / double(n));
      }
      max_err = std::max(max_err, std::abs(sum - out[k]));
    }
    EXPECT_LT(max_err, 1e-11 * double(n)) << n;
  }
}

TEST(Fft, RealMatchesComplex) {
  std::mt19937 rng(2);
  std::normal_distribution<double> normal;
  for (size_t n : {2, 4, 6, 10, 400, 402, 1000}) {
    std::vector<double> x(n);
    for (auto& v : x) v = normal(rng);
    std::vector<std::complex<double>> in(x.begin(), x.end()), full(n), half(n / 2 + 1);
    Fft(n).forward(in.data(), full.data());
    RealFft(n).forward(x.data(), half.data());
    for (size_t k = 0; k <= n / 2; ++k) EXPECT_LT(std::abs(half[k] - full[k]), 1e-11 * n) << n;
  }
}

TEST(MelFilterbank, EqualsWhisperCppTinyFilters) {
  auto model =
      WhisperGgmlFile::open(test::shared_data("models/whisper.cpp-for-tests-ggml-tiny.bin"));
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  ASSERT_EQ(model->mel_n_mels(), 80);
  ASSERT_EQ(model->mel_n_bins(), kWhisperNBins);
  const MelFilterbank f = slaney_mel_filterbank(80);
  ASSERT_EQ(f.weights.size(), model->mel_filters().size());
  for (size_t i = 0; i < f.weights.size(); ++i) {
    // Bit for bit: the same float32 rounding as librosa's.
    ASSERT_EQ(test::bits(f.weights[i]), test::bits(model->mel_filters()[i]))
        << "mel " << i / kWhisperNBins << " bin " << i % kWhisperNBins;
  }
}

TEST(MelFilterbank, TrianglesCoverTheSpectrum) {
  for (int n_mels : {80, 128}) {
    const MelFilterbank f = slaney_mel_filterbank(n_mels);
    ASSERT_EQ(f.n_bins, 201);
    for (int m = 0; m < n_mels; ++m) {
      int peak = 0;
      float top = 0;
      for (int k = 0; k < f.n_bins; ++k) {
        const float w = f.weights[size_t(m) * 201 + size_t(k)];
        ASSERT_GE(w, 0.0f);
        if (w > top) top = w, peak = k;
      }
      ASSERT_GT(top, 0.0f) << n_mels << " " << m;
      // Rising then falling: no second bump.
      for (int k = 1; k < f.n_bins; ++k) {
        const float a = f.weights[size_t(m) * 201 + size_t(k - 1)];
        const float b = f.weights[size_t(m) * 201 + size_t(k)];
        if (k <= peak) ASSERT_LE(a, b) << m << " " << k;
        if (k > peak) ASSERT_GE(a, b) << m << " " << k;
      }
    }
  }
}

TEST(LogMel, FrameCountsAndPadding) {
  const MelFilterbank f = slaney_mel_filterbank(80);
  const std::vector<float> x = test::sine(176000, 440, 16000, 0.3);
  auto padded = whisper_log_mel(x, f);
  ASSERT_TRUE(padded.ok()) << padded.status().to_string();
  EXPECT_EQ(padded->n_mels, 80);
  EXPECT_EQ(padded->n_frames, (176000 + 480000) / 160);  // 4100, as openai-whisper
  MelOptions no_pad;
  no_pad.pad_samples = 0;
  auto bare = whisper_log_mel(x, f, no_pad);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->n_frames, 1100);
  auto short_input = whisper_log_mel(std::vector<float>(201, 0.0f), f, no_pad);
  ASSERT_TRUE(short_input.ok());
  EXPECT_EQ(short_input->n_frames, 1);
  EXPECT_FALSE(whisper_log_mel(std::vector<float>(200, 0.0f), f, no_pad).ok());
}

TEST(LogMel, SilenceIsTheFloor) {
  auto mel = whisper_log_mel(std::vector<float>(16000, 0.0f), slaney_mel_filterbank(80));
  ASSERT_TRUE(mel.ok());
  for (float v : mel->data) ASSERT_EQ(v, float((-10.0 + 4.0) / 4.0));  // log10(1e-10)
}

TEST(LogMel, ToneLandsInItsMelBinAndRangeIsEight) {
  const MelFilterbank f = slaney_mel_filterbank(80);
  // 1 kHz: a triangle peaks near FFT bin 25; find the mel bin with the most weight there.
  int expected = 0;
  for (int m = 0; m < 80; ++m) {
    if (f.weights[size_t(m) * 201 + 25] > f.weights[size_t(expected) * 201 + 25]) expected = m;
  }
  auto mel = whisper_log_mel(test::sine(32000, 1000, 16000, 0.5), f);
  ASSERT_TRUE(mel.ok());
  const int64_t frame = 100;  // in the middle of the tone
  int best = 0;
  for (int m = 1; m < 80; ++m) {
    if (mel->at(m, frame) > mel->at(best, frame)) best = m;
  }
  EXPECT_EQ(best, expected);
  float lo = 1e9f, hi = -1e9f;
  for (float v : mel->data) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_NEAR(hi - lo, 2.0, 1e-6);  // the clamp at max - 8, divided by 4
}

TEST(LogMel, ThreadsGiveTheSameBits) {
  auto audio = decode_audio_file(test::shared_data("audio/jfk.wav"));
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  const MelFilterbank f = slaney_mel_filterbank(128);
  auto one = whisper_log_mel(audio->samples, f);
  ThreadPool pool(3);
  MelOptions options;
  options.pool = &pool;
  auto three = whisper_log_mel(audio->samples, f, options);
  ASSERT_TRUE(one.ok() && three.ok());
  EXPECT_EQ(one->data, three->data);
}

TEST(LogMel, WindowPadsWithZeros) {
  LogMel mel;
  mel.n_mels = 2;
  mel.n_frames = 5;
  mel.data = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const LogMel w = mel_window(mel, 3, 4);
  EXPECT_EQ(w.n_frames, 4);
  EXPECT_EQ(w.data, (std::vector<float>{4, 5, 0, 0, 9, 10, 0, 0}));
  EXPECT_EQ(mel_window(mel, 7, 2).data, (std::vector<float>(4, 0.0f)));
}

TEST(LogMel, RejectsAFilterbankOfTheWrongSize) {
  MelFilterbank f = slaney_mel_filterbank(80, 512);
  auto mel = whisper_log_mel(std::vector<float>(1000, 0.0f), f);
  ASSERT_FALSE(mel.ok());
  EXPECT_EQ(mel.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace omni
