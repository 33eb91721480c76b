// Raw PCM16 in, WAV PCM16 and raw PCM16 out.
#include <cmath>
#include <cstring>

#include "audio/audio.h"

namespace omni {
namespace {

int16_t to_pcm16(float x) {
  const float scaled = std::nearbyint(x * 32768.0f);
  if (!(scaled > -32768.0f)) return -32768;  // also NaN
  if (scaled > 32767.0f) return 32767;
  return int16_t(scaled);
}

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(uint8_t(v));
  out.push_back(uint8_t(v >> 8));
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

void put_tag(std::vector<uint8_t>& out, const char* tag) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(tag[i]));
}

}  // namespace

StatusOr<Audio> decode_pcm16(const uint8_t* data, size_t size, int sample_rate, int channels) {
  if (sample_rate < kMinSampleRate || sample_rate > kMaxSampleRate) {
    return InvalidArgument("PCM16 sample rate %d Hz is outside %d..%d Hz", sample_rate,
                           kMinSampleRate, kMaxSampleRate);
  }
  if (channels < 1 || channels > 64) {
    return InvalidArgument("PCM16 with %d channels (1..64 supported)", channels);
  }
  if (size == 0) return InvalidArgument("the PCM16 audio is empty (0 bytes)");
  const size_t frame_bytes = 2 * size_t(channels);
  if (size % frame_bytes != 0) {
    return Corrupt("%zu bytes of PCM16 is not a whole number of %d-channel frames (%zu bytes each)",
                   size, channels, frame_bytes);
  }
  Audio audio;
  audio.sample_rate = sample_rate;
  audio.source_channels = channels;
  audio.format = "raw PCM16";
  const size_t n = size / frame_bytes;
  audio.samples.resize(n);
  for (size_t i = 0; i < n; ++i) {
    int32_t sum = 0;
    for (int c = 0; c < channels; ++c) {
      const uint8_t* p = data + i * frame_bytes + 2 * size_t(c);
      sum += int16_t(uint16_t(p[0] | (p[1] << 8)));
    }
    audio.samples[i] = channels == 1 ? float(sum) / 32768.0f : float(sum) / (32768.0f * channels);
  }
  return audio;
}

std::vector<uint8_t> encode_pcm16(std::span<const float> samples) {
  std::vector<uint8_t> out;
  out.reserve(samples.size() * 2);
  for (float x : samples) put_u16(out, uint16_t(to_pcm16(x)));
  return out;
}

std::vector<uint8_t> encode_wav_pcm16(std::span<const float> samples, int sample_rate,
                                      int channels) {
  const uint32_t data_bytes = uint32_t(samples.size() * 2);
  std::vector<uint8_t> out;
  out.reserve(44 + samples.size() * 2);
  put_tag(out, "RIFF");
  put_u32(out, 36 + data_bytes);
  put_tag(out, "WAVE");
  put_tag(out, "fmt ");
  put_u32(out, 16);
  put_u16(out, 1);  // PCM
  put_u16(out, uint16_t(channels));
  put_u32(out, uint32_t(sample_rate));
  put_u32(out, uint32_t(sample_rate) * uint32_t(channels) * 2);  // bytes per second
  put_u16(out, uint16_t(channels * 2));                          // block align
  put_u16(out, 16);                                              // bits per sample
  put_tag(out, "data");
  put_u32(out, data_bytes);
  for (float x : samples) put_u16(out, uint16_t(to_pcm16(x)));
  return out;
}

}  // namespace omni
