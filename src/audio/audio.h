// Audio in and out: decoding any supported file from memory to mono float samples, raw PCM16,
// resampling, and WAV PCM16 encoding.
//
// Samples are float32 in the nominal range [-1, 1]: integer PCM of b bits is divided by 2^(b-1)
// (so PCM16 s becomes s / 32768), float files pass through. Multi-channel audio is downmixed to
// mono by averaging the channels. Every function returns a Status for input it cannot use (empty,
// truncated, corrupt, unsupported); none crashes on any bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace omni {

inline constexpr int kMinSampleRate = 1000;
inline constexpr int kMaxSampleRate = 768000;

struct Audio {
  std::vector<float> samples;  // mono, at sample_rate
  int sample_rate = 0;
  int source_channels = 0;  // channels before the downmix
  std::string format;       // "WAV (Microsoft), Signed 16 bit PCM", "MPEG-1/2 Audio, ..."

  double duration_s() const { return sample_rate ? double(samples.size()) / sample_rate : 0.0; }
};

struct DecodeOptions {
  // Longer audio is refused (a small compressed file can expand to gigabytes of samples).
  double max_seconds = 4 * 3600.0;
};

// Decodes a whole audio file held in memory: WAV (PCM 8/16/24/32-bit, float32/64), MP3, FLAC,
// Ogg Vorbis, Ogg Opus, AIFF and the other containers libsndfile reads. `label` names the input in
// error messages. A file whose header promises more frames than its data holds is an error
// (truncated), as is a file with no samples.
StatusOr<Audio> decode_audio(const uint8_t* data, size_t size, const std::string& label,
                             const DecodeOptions& options = {});
StatusOr<Audio> decode_audio_file(const std::string& path, const DecodeOptions& options = {});

// Raw little-endian signed 16-bit PCM, `channels` interleaved, at a rate the caller states.
StatusOr<Audio> decode_pcm16(const uint8_t* data, size_t size, int sample_rate, int channels = 1);

// Band-limited resampling (libsamplerate, best-quality sinc). The output holds
// round(n * to_rate / from_rate) samples; equal rates return a copy.
StatusOr<std::vector<float>> resample(std::span<const float> samples, int from_rate, int to_rate);

// Decodes and resamples to `rate` (16 kHz for Whisper).
StatusOr<Audio> load_audio(const uint8_t* data, size_t size, const std::string& label, int rate,
                           const DecodeOptions& options = {});

// A RIFF/WAVE file of 16-bit PCM: samples (interleaved when channels > 1) are scaled by 32768,
// rounded to nearest, and clipped to [-32768, 32767], so decode(encode(x)) == x for any x that
// came from PCM16.
std::vector<uint8_t> encode_wav_pcm16(std::span<const float> samples, int sample_rate,
                                      int channels = 1);
// Bare little-endian PCM16 (no header), with the same scaling.
std::vector<uint8_t> encode_pcm16(std::span<const float> samples);

}  // namespace omni
