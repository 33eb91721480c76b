// WAV/PCM16 encoding and resampling.
#include <gtest/gtest.h>

#include <cmath>

#include "audio/audio.h"
#include "audio_fixtures.h"

namespace omni {
namespace {

TEST(AudioEncode, WavPcm16RoundTripsPcm16Values) {
  std::vector<float> samples;
  for (int v = -32768; v <= 32767; v += 7) samples.push_back(float(v) / 32768.0f);
  samples.push_back(-1.0f);
  samples.push_back(32767.0f / 32768.0f);
  const auto wav = encode_wav_pcm16(samples, 24000);
  ASSERT_EQ(wav.size(), 44 + 2 * samples.size());
  EXPECT_EQ(std::string(wav.begin(), wav.begin() + 4), "RIFF");
  EXPECT_EQ(std::string(wav.begin() + 8, wav.begin() + 16), "WAVEfmt ");
  auto audio = decode_audio(wav.data(), wav.size(), "encoded.wav");
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  EXPECT_EQ(audio->sample_rate, 24000);
  EXPECT_EQ(audio->samples, samples);
}

TEST(AudioEncode, ClipsAndRounds) {
  const std::vector<float> samples = {
      1.5f, -2.0f, 0.4f / 32768.0f, 0.6f / 32768.0f, -0.6f / 32768.0f, std::nanf("")};
  const auto pcm = encode_pcm16(samples);
  ASSERT_EQ(pcm.size(), 12u);
  auto v = [&](size_t i) { return int16_t(uint16_t(pcm[2 * i] | (pcm[2 * i + 1] << 8))); };
  EXPECT_EQ(v(0), 32767);
  EXPECT_EQ(v(1), -32768);
  EXPECT_EQ(v(2), 0);
  EXPECT_EQ(v(3), 1);
  EXPECT_EQ(v(4), -1);
  EXPECT_EQ(v(5), -32768);  // NaN has no value; it is written as the lowest one
}

TEST(AudioEncode, StereoHeader) {
  const std::vector<float> samples(10, 0.25f);
  const auto wav = encode_wav_pcm16(samples, 48000, 2);
  auto audio = decode_audio(wav.data(), wav.size(), "stereo.wav");
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  EXPECT_EQ(audio->source_channels, 2);
  EXPECT_EQ(audio->sample_rate, 48000);
  EXPECT_EQ(audio->samples, std::vector<float>(5, 0.25f));
}

// A sine below both Nyquist frequencies comes out as the same sine at the new rate: the
// converter neither shifts nor attenuates it (checked away from the ends, where the filter sees
// the signal start and stop).
TEST(AudioResample, SineKeepsPhaseAndAmplitude) {
  for (int from : {8000, 22050, 24000, 44100, 48000}) {
    const size_t n = size_t(from);  // one second
    const auto in = test::sine(n, 440.0, from, 0.5);
    auto out = resample(in, from, 16000);
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    ASSERT_EQ(out->size(), 16000u) << from;
    const auto expected = test::sine(16000, 440.0, 16000, 0.5);
    double max_err = 0;
    for (size_t i = 1600; i < 16000 - 1600; ++i) {
      max_err = std::max(max_err, std::fabs(double((*out)[i]) - expected[i]));
    }
    EXPECT_LT(max_err, 1e-4) << from;
  }
}

TEST(AudioResample, RemovesWhatTheNewRateCannotHold) {
  // 7 kHz fits at 16 kHz; 10 kHz does not and must be filtered out, not folded to 6 kHz.
  const auto keep = test::sine(44100, 7000.0, 44100, 0.3);
  const auto drop = test::sine(44100, 10000.0, 44100, 0.3);
  std::vector<float> mix(keep);
  for (size_t i = 0; i < mix.size(); ++i) mix[i] += drop[i];
  auto out = resample(mix, 44100, 16000);
  ASSERT_TRUE(out.ok());
  const auto expected = test::sine(16000, 7000.0, 16000, 0.3);
  double noise = 0, signal = 0;
  for (size_t i = 1600; i < 16000 - 1600; ++i) {
    noise += std::pow(double((*out)[i]) - expected[i], 2);
    signal += std::pow(double(expected[i]), 2);
  }
  EXPECT_GT(10 * std::log10(signal / noise), 60.0);
}

TEST(AudioResample, LengthsAndEdgeCases) {
  const std::vector<float> x(12345, 0.1f);
  auto up = resample(x, 16000, 48000);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->size(), 37035u);
  auto odd = resample(x, 44100, 16000);
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->size(), size_t(std::llround(12345.0 * 16000 / 44100)));
  auto same = resample(x, 16000, 16000);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, x);
  auto empty = resample({}, 44100, 16000);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(resample(x, 0, 16000).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(resample(x, 16000, 10000000).status().code(), StatusCode::kInvalidArgument);
}

TEST(AudioLoad, DecodesAndResamples) {
  const auto in = test::sine(22050, 440.0, 22050, 0.5);
  std::vector<int16_t> pcm;
  for (float x : in) pcm.push_back(int16_t(std::lrint(x * 32767)));
  const auto flac = test::sndfile_encode(pcm, 1, 22050, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  auto audio = load_audio(flac.data(), flac.size(), "tone.flac", 16000);
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  EXPECT_EQ(audio->sample_rate, 16000);
  EXPECT_EQ(audio->samples.size(), 16000u);
}

}  // namespace
}  // namespace omni
