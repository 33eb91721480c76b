// Decoding: every WAV sample format exactly, downmixing, other containers through libsndfile,
// raw PCM16, and errors for empty, truncated, garbage and unsupported input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "audio/audio.h"
#include "audio_fixtures.h"
#include "base/mapped_file.h"
#include "test_util.h"

// The codec libraries behind libsndfile (Debian's libsndfile 1.2.0, libvorbis) leak small
// allocations on some error paths; under LeakSanitizer those are not this project's to report.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libvorbis.so\nleak:libvorbisenc.so\nleak:libogg.so\nleak:libFLAC.so\n"
         "leak:libopus.so\nleak:libmpg123.so\nleak:libsndfile.so\n";
}

namespace omni {
namespace {

using test::float_samples;
using test::int_samples;
using test::wav_file;

std::vector<int64_t> random_ints(size_t n, int64_t lo, int64_t hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = dist(rng);
  v[0] = lo;  // the extremes are always present
  v[1] = hi;
  return v;
}

StatusOr<Audio> decode(const std::vector<uint8_t>& bytes, const DecodeOptions& options = {}) {
  // An exact-size heap copy, so a sanitizer sees any read past the end.
  std::vector<uint8_t> copy(bytes);
  return decode_audio(copy.data(), copy.size(), "test.audio", options);
}

TEST(AudioDecode, WavPcm16IsExact) {
  const auto values = random_ints(1000, -32768, 32767, 1);
  auto audio = decode(wav_file(1, 16, 1, 16000, int_samples(values, 2)));
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  EXPECT_EQ(audio->sample_rate, 16000);
  EXPECT_EQ(audio->source_channels, 1);
  EXPECT_NE(audio->format.find("16 bit PCM"), std::string::npos) << audio->format;
  ASSERT_EQ(audio->samples.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(audio->samples[i], float(values[i]) / 32768.0f) << i;
  }
}

TEST(AudioDecode, WavPcm8IsUnsignedAndExact) {
  const auto values = random_ints(500, 0, 255, 2);
  auto audio = decode(wav_file(1, 8, 1, 8000, int_samples(values, 1)));
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  EXPECT_EQ(audio->sample_rate, 8000);
  ASSERT_EQ(audio->samples.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(audio->samples[i], float(values[i] - 128) / 128.0f) << i;
  }
}

TEST(AudioDecode, WavPcm24IsExact) {
  const auto values = random_ints(700, -(1 << 23), (1 << 23) - 1, 3);
  auto audio = decode(wav_file(1, 24, 1, 48000, int_samples(values, 3)));
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  ASSERT_EQ(audio->samples.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(audio->samples[i], float(double(values[i]) / (1 << 23))) << i;
  }
}

TEST(AudioDecode, WavPcm32WithinFloatRounding) {
  const auto values = random_ints(700, INT32_MIN, INT32_MAX, 4);
  auto audio = decode(wav_file(1, 32, 1, 44100, int_samples(values, 4)));
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  ASSERT_EQ(audio->samples.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    // A float holds 24 significant bits: one rounding of the 32-bit value.
    ASSERT_NEAR(audio->samples[i], double(values[i]) / 2147483648.0, 6e-8) << i;
  }
}

TEST(AudioDecode, WavFloat32PassesThrough) {
  std::vector<float> values = test::sine(999, 440, 22050, 0.9);
  values[5] = 1.25f;  // out-of-range float samples are kept as they are
  values[6] = -1.5f;
  auto audio = decode(wav_file(3, 32, 1, 22050, float_samples(values)));
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  EXPECT_EQ(audio->sample_rate, 22050);
  EXPECT_EQ(audio->samples, values);
}

TEST(AudioDecode, WavFloatNanIsAnError) {
  std::vector<float> values(64, 0.25f);
  values[17] = std::nanf("");
  auto audio = decode(wav_file(3, 32, 1, 16000, float_samples(values)));
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(audio.status().message().find("sample 17 is not a finite number"), std::string::npos)
      << audio.status().to_string();
}

TEST(AudioDecode, ChannelsAreAveraged) {
  for (int channels : {2, 3, 6}) {
    const auto values = random_ints(300 * size_t(channels), -32768, 32767, 10 + channels);
    auto audio = decode(wav_file(1, 16, channels, 32000, int_samples(values, 2)));
    ASSERT_TRUE(audio.ok()) << channels << ": " << audio.status().to_string();
    EXPECT_EQ(audio->source_channels, channels);
    ASSERT_EQ(audio->samples.size(), 300u);
    for (size_t i = 0; i < 300; ++i) {
      double sum = 0;
      for (int c = 0; c < channels; ++c) sum += double(values[i * size_t(channels) + size_t(c)]);
      ASSERT_NEAR(audio->samples[i], sum / 32768.0 / channels, 1e-7) << channels << " " << i;
    }
  }
}

TEST(AudioDecode, AnySampleRateIsReported) {
  for (int rate : {8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 96000}) {
    auto audio = decode(wav_file(1, 16, 1, rate, int_samples(random_ints(100, -5, 5, 7), 2)));
    ASSERT_TRUE(audio.ok()) << rate << ": " << audio.status().to_string();
    EXPECT_EQ(audio->sample_rate, rate);
    EXPECT_DOUBLE_EQ(audio->duration_s(), 100.0 / rate);
  }
}

TEST(AudioDecode, FlacIsLossless) {
  // Stereo 44.1 kHz PCM16 values, both channels equal, so the downmix is exact too.
  const auto values = random_ints(20000, -32768, 32767, 5);
  std::vector<int16_t> interleaved;
  for (int64_t v : values) interleaved.insert(interleaved.end(), 2, int16_t(v));
  const auto flac = test::sndfile_encode(interleaved, 2, 44100, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  ASSERT_FALSE(flac.empty());
  auto audio = decode(flac);
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  EXPECT_NE(audio->format.find("FLAC"), std::string::npos) << audio->format;
  EXPECT_EQ(audio->sample_rate, 44100);
  EXPECT_EQ(audio->source_channels, 2);
  ASSERT_EQ(audio->samples.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(audio->samples[i], float(values[i]) / 32768.0f) << i;
  }
}

struct LossyCase {
  const char* name;
  int format;
  int rate;
  int channels;
  double min_snr_db;  // of a two-tone signal after decoding, at the best alignment
};

TEST(AudioDecode, LossyFormatsKeepTheSignal) {
  const LossyCase cases[] = {
      // Measured with libsndfile 1.2.0's default encoder settings: 33.2, 42.2, 29.6, 38.9 and
      // 37.0 dB; the bounds leave about 5 dB.
      {"Vorbis", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 22050, 1, 28},
      {"Opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 48000, 2, 37},
      {"Opus", SF_FORMAT_OGG | SF_FORMAT_OPUS, 16000, 1, 25},
      {"MPEG Layer III", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100, 2, 34},
      {"MPEG Layer III", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 16000, 1, 32},
  };
  for (const LossyCase& c : cases) {
    const size_t n = size_t(c.rate);  // one second
    std::vector<float> mono = test::sine(n, 440, c.rate, 0.4);
    const std::vector<float> high = test::sine(n, 1234.5, c.rate, 0.2, 0.3);
    for (size_t i = 0; i < n; ++i) mono[i] += high[i];
    std::vector<float> interleaved;
    for (float x : mono) interleaved.insert(interleaved.end(), size_t(c.channels), x);
    const auto bytes = test::sndfile_encode(interleaved, c.channels, c.rate, c.format);
    ASSERT_FALSE(bytes.empty()) << c.name;
    auto audio = decode(bytes);
    ASSERT_TRUE(audio.ok()) << c.name << ": " << audio.status().to_string();
    EXPECT_NE(audio->format.find(c.name), std::string::npos) << audio->format;
    EXPECT_EQ(audio->sample_rate, c.rate) << c.name;
    EXPECT_EQ(audio->source_channels, c.channels) << c.name;
    EXPECT_NEAR(double(audio->samples.size()), double(n), 0.05 * n) << c.name;
    int lag = 0;
    const double snr = test::snr_db(mono, audio->samples, 3000, &lag);
    std::printf("%s %d Hz x%d: %zu bytes, %zu samples, SNR %.1f dB at lag %d\n", c.name, c.rate,
                c.channels, bytes.size(), audio->samples.size(), snr, lag);
    EXPECT_GE(snr, c.min_snr_db) << c.name << " " << c.rate;
  }
}

// jfk.mp3 is whisper.cpp's MP3 of jfk.wav (16 kHz mono). Decoded, it has exactly the WAV's
// 176000 samples with no offset (the decoder removes the encoder delay), and differs from it by
// what MP3 coding loses. Measured: SNR 40.9 dB over the whole file, largest sample error 0.0348
// (the speech peaks at 0.78), RMS error 0.00128. Tolerance: same length, best alignment at lag 0
// within +-2000 samples, SNR >= 38 dB, every sample within 0.05.
TEST(AudioDecode, JfkMp3MatchesJfkWav) {
  auto wav = decode_audio_file(test::shared_data("audio/jfk.wav"));
  auto mp3 = decode_audio_file(test::shared_data("audio/jfk.mp3"));
  ASSERT_TRUE(wav.ok()) << wav.status().to_string();
  ASSERT_TRUE(mp3.ok()) << mp3.status().to_string();
  EXPECT_NE(mp3->format.find("MPEG Layer III"), std::string::npos) << mp3->format;
  EXPECT_EQ(wav->sample_rate, 16000);
  EXPECT_EQ(mp3->sample_rate, 16000);
  ASSERT_EQ(mp3->samples.size(), wav->samples.size());
  int lag = -1;
  test::snr_db(wav->samples, mp3->samples, 2000, &lag);
  EXPECT_EQ(lag, 0);
  double signal = 0, noise = 0, max_err = 0;
  for (size_t i = 0; i < wav->samples.size(); ++i) {
    const double e = double(mp3->samples[i]) - wav->samples[i];
    signal += double(wav->samples[i]) * wav->samples[i];
    noise += e * e;
    max_err = std::max(max_err, std::fabs(e));
  }
  const double snr = 10 * std::log10(signal / noise);
  std::printf("jfk.mp3 vs jfk.wav: SNR %.2f dB, max abs error %.4f\n", snr, max_err);
  EXPECT_GE(snr, 38.0);
  EXPECT_LE(max_err, 0.05);
}

TEST(AudioDecode, RawPcm16) {
  const auto values = random_ints(400, -32768, 32767, 6);
  const auto bytes = int_samples(values, 2);
  auto mono = decode_pcm16(bytes.data(), bytes.size(), 24000);
  ASSERT_TRUE(mono.ok()) << mono.status().to_string();
  EXPECT_EQ(mono->sample_rate, 24000);
  ASSERT_EQ(mono->samples.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(mono->samples[i], values[i] / 32768.0f);

  auto stereo = decode_pcm16(bytes.data(), bytes.size(), 24000, 2);
  ASSERT_TRUE(stereo.ok()) << stereo.status().to_string();
  ASSERT_EQ(stereo->samples.size(), values.size() / 2);
  for (size_t i = 0; i < values.size() / 2; ++i) {
    ASSERT_EQ(stereo->samples[i], float(values[2 * i] + values[2 * i + 1]) / 65536.0f);
  }
}

TEST(AudioDecode, RawPcm16Errors) {
  const std::vector<uint8_t> odd(7, 0), four(4, 0);
  auto s = decode_pcm16(odd.data(), odd.size(), 16000);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(s.status().message().find("7 bytes of PCM16"), std::string::npos);
  EXPECT_FALSE(decode_pcm16(four.data(), 3 * 2 - 2, 16000, 3).ok());
  EXPECT_EQ(decode_pcm16(four.data(), 0, 16000).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decode_pcm16(four.data(), 4, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decode_pcm16(four.data(), 4, 16000, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(AudioDecode, EmptyInputIsAnError) {
  auto audio = decode({});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(audio.status().message().find("empty"), std::string::npos);
}

TEST(AudioDecode, GarbageIsUnsupported) {
  std::mt19937 rng(9);
  for (size_t size : {1, 3, 12, 100, 4096}) {
    std::vector<uint8_t> bytes(size);
    for (auto& b : bytes) b = uint8_t(rng());
    bytes[0] = 'x';  // not the first byte of any container's magic
    auto audio = decode(bytes);
    ASSERT_FALSE(audio.ok()) << size;
    EXPECT_EQ(audio.status().code(), StatusCode::kUnsupported) << audio.status().to_string();
    EXPECT_NE(audio.status().message().find("test.audio: not audio in a format"), std::string::npos)
        << audio.status().to_string();
  }
  const std::string text = "{\"model\": \"whisper-1\"}";
  auto json = decode(std::vector<uint8_t>(text.begin(), text.end()));
  EXPECT_FALSE(json.ok());
}

TEST(AudioDecode, WavWithoutSamplesIsAnError) {
  auto audio = decode(wav_file(1, 16, 1, 16000, {}));
  ASSERT_FALSE(audio.ok());
  EXPECT_NE(audio.status().message().find("no samples"), std::string::npos)
      << audio.status().to_string();
}

TEST(AudioDecode, TruncatedWavIsAnError) {
  const auto values = random_ints(1000, -32768, 32767, 8);
  const auto full = wav_file(1, 16, 1, 16000, int_samples(values, 2));
  // The data chunk promises 2000 bytes; the file stops short of them.
  for (size_t cut : {size_t(44 + 2), size_t(44 + 1000), full.size() - 2}) {
    auto audio = decode(std::vector<uint8_t>(full.begin(), full.begin() + ptrdiff_t(cut)));
    ASSERT_FALSE(audio.ok()) << cut;
    EXPECT_EQ(audio.status().code(), StatusCode::kCorrupt) << audio.status().to_string();
    EXPECT_NE(audio.status().message().find("truncated"), std::string::npos)
        << audio.status().to_string();
  }
  // Cut inside the header: no audio at all.
  for (size_t cut : {size_t(4), size_t(12), size_t(20), size_t(40)}) {
    auto audio = decode(std::vector<uint8_t>(full.begin(), full.begin() + ptrdiff_t(cut)));
    EXPECT_FALSE(audio.ok()) << cut;
  }
}

TEST(AudioDecode, TruncatedFlacIsAnError) {
  const auto values = random_ints(30000, -32768, 32767, 11);
  std::vector<int16_t> pcm(values.begin(), values.end());
  const auto flac = test::sndfile_encode(pcm, 1, 16000, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  ASSERT_FALSE(flac.empty());
  auto audio =
      decode(std::vector<uint8_t>(flac.begin(), flac.begin() + ptrdiff_t(flac.size() / 2)));
  ASSERT_FALSE(audio.ok());
  EXPECT_NE(audio.status().message().find("truncated"), std::string::npos)
      << audio.status().to_string();
}

// Ogg and MPEG streams carry no total length that libsndfile checks; a page or frame cut short
// at the end is what gives a truncated upload away.
TEST(AudioDecode, TruncatedLossyFilesAreErrors) {
  const std::vector<float> signal = test::sine(16000, 300, 16000, 0.5);
  for (int format : {SF_FORMAT_OGG | SF_FORMAT_VORBIS, SF_FORMAT_OGG | SF_FORMAT_OPUS,
                     SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III}) {
    const auto bytes = test::sndfile_encode(signal, 1, 16000, format);
    ASSERT_FALSE(bytes.empty());
    ASSERT_TRUE(decode(bytes).ok()) << format;
    for (size_t cut : {bytes.size() / 2 + 1, bytes.size() * 3 / 4, bytes.size() - 1}) {
      auto audio = decode(std::vector<uint8_t>(bytes.begin(), bytes.begin() + ptrdiff_t(cut)));
      ASSERT_FALSE(audio.ok()) << format << " cut at " << cut << " of " << bytes.size();
      EXPECT_EQ(audio.status().code(), StatusCode::kCorrupt);
      EXPECT_NE(audio.status().message().find("truncated"), std::string::npos)
          << audio.status().to_string();
    }
  }
  auto mp3 = MappedFile::open(test::shared_data("audio/jfk.mp3"));
  ASSERT_TRUE(mp3.ok());
  auto cut = decode(std::vector<uint8_t>(mp3->data(), mp3->data() + 50000));
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("truncated: the MPEG audio frame"), std::string::npos)
      << cut.status().to_string();
}

// Every prefix length class and some flipped bytes of each format: an error or finite audio,
// never a crash (the fuzz target explores this further).
TEST(AudioDecode, DamagedFilesNeverCrash) {
  const std::vector<float> signal = test::sine(8000, 300, 16000, 0.5);
  const std::vector<int> formats = {
      SF_FORMAT_WAV | SF_FORMAT_PCM_16,  SF_FORMAT_WAV | SF_FORMAT_FLOAT,
      SF_FORMAT_FLAC | SF_FORMAT_PCM_16, SF_FORMAT_OGG | SF_FORMAT_VORBIS,
      SF_FORMAT_OGG | SF_FORMAT_OPUS,    SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III,
      SF_FORMAT_AIFF | SF_FORMAT_PCM_24};
  std::mt19937 rng(12);
  for (int format : formats) {
    const auto bytes = test::sndfile_encode(signal, 1, 16000, format);
    ASSERT_FALSE(bytes.empty()) << format;
    ASSERT_TRUE(decode(bytes).ok()) << format;
    for (size_t cut = 0; cut < bytes.size(); cut += 1 + cut / 3) {
      auto audio = decode(std::vector<uint8_t>(bytes.begin(), bytes.begin() + ptrdiff_t(cut)));
      if (audio.ok()) {
        for (float x : audio->samples) ASSERT_TRUE(std::isfinite(x));
      }
    }
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<uint8_t> damaged = bytes;
      for (int k = 0; k < 4; ++k) damaged[rng() % damaged.size()] = uint8_t(rng());
      auto audio = decode(damaged);
      if (audio.ok()) {
        EXPECT_GT(audio->samples.size(), 0u);
        for (float x : audio->samples) ASSERT_TRUE(std::isfinite(x));
      } else {
        EXPECT_FALSE(audio.status().message().empty());
      }
    }
  }
}

TEST(AudioDecode, LengthLimit) {
  const auto values = random_ints(16000, -100, 100, 13);
  DecodeOptions options;
  options.max_seconds = 0.5;
  auto audio = decode(wav_file(1, 16, 1, 16000, int_samples(values, 2)), options);
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(audio.status().message().find("longer than the limit of 0 s"), std::string::npos)
      << audio.status().to_string();
}

TEST(AudioDecode, FileThatDoesNotExist) {
  auto audio = decode_audio_file(test::tmp_path("no-such-audio.wav"));
  ASSERT_FALSE(audio.ok());
  EXPECT_NE(audio.status().message().find("no-such-audio.wav"), std::string::npos);
}

}  // namespace
}  // namespace omni
