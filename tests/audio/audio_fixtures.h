// Audio fixtures for the tests: WAV files assembled byte by byte (independent of libsndfile),
// files in other formats encoded with libsndfile, test signals, and signal comparison.
#pragma once

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <string>
#include <type_traits>
#include <vector>

namespace omni::test {

inline void put_le(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

// A RIFF/WAVE file: `format_tag` 1 (integer PCM) or 3 (IEEE float), `data` the raw sample bytes.
// `declared_data_bytes` overrides the data chunk's size (for truncated files) when not negative.
inline std::vector<uint8_t> wav_file(int format_tag, int bits, int channels, int rate,
                                     const std::vector<uint8_t>& data,
                                     int64_t declared_data_bytes = -1) {
  const uint32_t data_bytes =
      declared_data_bytes >= 0 ? uint32_t(declared_data_bytes) : uint32_t(data.size());
  std::vector<uint8_t> out;
  for (char c : std::string("RIFF")) out.push_back(uint8_t(c));
  put_le(out, 36 + data_bytes, 4);
  for (char c : std::string("WAVEfmt ")) out.push_back(uint8_t(c));
  put_le(out, 16, 4);
  put_le(out, uint64_t(format_tag), 2);
  put_le(out, uint64_t(channels), 2);
  put_le(out, uint64_t(rate), 4);
  put_le(out, uint64_t(rate) * uint64_t(channels) * uint64_t(bits / 8), 4);
  put_le(out, uint64_t(channels * bits / 8), 2);
  put_le(out, uint64_t(bits), 2);
  for (char c : std::string("data")) out.push_back(uint8_t(c));
  put_le(out, data_bytes, 4);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// Little-endian integers of `bytes` bytes each (two's complement).
inline std::vector<uint8_t> int_samples(const std::vector<int64_t>& values, int bytes) {
  std::vector<uint8_t> out;
  for (int64_t v : values) put_le(out, uint64_t(v), bytes);
  return out;
}

inline std::vector<uint8_t> float_samples(const std::vector<float>& values) {
  std::vector<uint8_t> out(values.size() * 4);
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

inline std::vector<float> sine(size_t n, double freq, int rate, double amplitude = 0.5,
                               double phase = 0.0) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = float(amplitude * std::sin(2.0 * std::numbers::pi * freq * double(i) / rate + phase));
  }
  return x;
}

// A file encoded by libsndfile into memory; empty on failure. Samples are float, or int16 (which
// reach an integer format unscaled; libsndfile writes float x as x * 32767).
template <typename Sample>
std::vector<uint8_t> sndfile_encode(const std::vector<Sample>& interleaved, int channels, int rate,
                                    int format) {
  struct Sink {
    std::vector<uint8_t> bytes;
    sf_count_t pos = 0;
  } sink;
  SF_VIRTUAL_IO vio{};
  vio.get_filelen = [](void* u) { return sf_count_t(static_cast<Sink*>(u)->bytes.size()); };
  vio.seek = [](sf_count_t off, int whence, void* u) {
    auto* s = static_cast<Sink*>(u);
    s->pos = (whence == SEEK_SET   ? 0
              : whence == SEEK_CUR ? s->pos
                                   : sf_count_t(s->bytes.size())) +
             off;
    return s->pos;
  };
  vio.read = [](void* ptr, sf_count_t n, void* u) {
    auto* s = static_cast<Sink*>(u);
    const sf_count_t avail = std::max<sf_count_t>(0, sf_count_t(s->bytes.size()) - s->pos);
    n = std::min(n, avail);
    if (n > 0) std::memcpy(ptr, s->bytes.data() + s->pos, size_t(n));
    s->pos += n;
    return n;
  };
  vio.write = [](const void* ptr, sf_count_t n, void* u) {
    auto* s = static_cast<Sink*>(u);
    if (size_t(s->pos + n) > s->bytes.size()) s->bytes.resize(size_t(s->pos + n));
    std::memcpy(s->bytes.data() + s->pos, ptr, size_t(n));
    s->pos += n;
    return n;
  };
  vio.tell = [](void* u) { return static_cast<Sink*>(u)->pos; };
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open_virtual(&vio, SFM_WRITE, &info, &sink);
  if (!f) return {};
  const sf_count_t frames = sf_count_t(interleaved.size() / size_t(channels));
  if constexpr (std::is_same_v<Sample, int16_t>) {
    sf_writef_short(f, interleaved.data(), frames);
  } else {
    sf_writef_float(f, interleaved.data(), frames);
  }
  sf_close(f);
  return sink.bytes;
}

// Signal-to-noise ratio in dB of `test` against `ref` over ref's middle (a tenth trimmed at each
// end), at the lag in [-max_lag, max_lag] that maximises it; *best_lag receives that lag
// (test[i + lag] is compared with ref[i]).
inline double snr_db(const std::vector<float>& ref, const std::vector<float>& test, int max_lag,
                     int* best_lag = nullptr) {
  const int64_t n = int64_t(ref.size());
  const int64_t begin = n / 10, end = n - n / 10;
  double best = -1e9;
  for (int lag = -max_lag; lag <= max_lag; ++lag) {
    double signal = 0, noise = 0;
    for (int64_t i = begin; i < end; ++i) {
      const int64_t j = i + lag;
      const double t = (j >= 0 && j < int64_t(test.size())) ? test[size_t(j)] : 0.0;
      signal += double(ref[size_t(i)]) * ref[size_t(i)];
      noise += (t - ref[size_t(i)]) * (t - ref[size_t(i)]);
    }
    const double snr = 10.0 * std::log10(signal / std::max(noise, 1e-30));
    if (snr > best) {
      best = snr;
      if (best_lag) *best_lag = lag;
    }
  }
  return best;
}

}  // namespace omni::test
