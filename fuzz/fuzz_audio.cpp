// libFuzzer target: any byte string given to the audio decoders (every container libsndfile
// reads, and raw PCM16) yields audio or a Status; accepted audio has only finite samples and a
// sample rate in range, and resamples to 16 kHz.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "audio/audio.h"

// The codec libraries behind libsndfile (Debian's libsndfile 1.2.0, libvorbis) leak small
// allocations on some error paths; those are not this project's and are not reported.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libvorbis.so\nleak:libvorbisenc.so\nleak:libogg.so\nleak:libFLAC.so\n"
         "leak:libopus.so\nleak:libmpg123.so\nleak:libsndfile.so\n";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy, so AddressSanitizer sees any read past the end.
  std::vector<uint8_t> bytes(data, data + size);
  omni::DecodeOptions options;
  options.max_seconds = 20;  // keeps each input's work small
  auto audio = omni::decode_audio(bytes.data(), bytes.size(), "fuzz.audio", options);
  if (!audio.ok()) {
    // The same bytes as raw PCM16 at a rate taken from the first byte.
    const int rate = size ? 8000 + 4000 * (data[0] % 8) : 16000;
    audio = omni::decode_pcm16(bytes.data(), bytes.size(), rate, size > 1 ? 1 + data[1] % 2 : 1);
    if (!audio.ok()) return 0;
  }
  if (audio->sample_rate < omni::kMinSampleRate || audio->sample_rate > omni::kMaxSampleRate ||
      audio->samples.empty()) {
    std::abort();
  }
  for (float x : audio->samples) {
    if (!std::isfinite(x)) std::abort();
  }
  if (audio->samples.size() <= 48000) {
    auto resampled = omni::resample(audio->samples, audio->sample_rate, 16000);
    if (!resampled.ok()) std::abort();
  }
  return 0;
}
