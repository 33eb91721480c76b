// Resampling with libsamplerate's best-quality band-limited sinc converter.
#include <samplerate.h>

#include <cmath>

#include "audio/audio.h"

namespace omni {

StatusOr<std::vector<float>> resample(std::span<const float> samples, int from_rate, int to_rate) {
  for (int rate : {from_rate, to_rate}) {
    if (rate < kMinSampleRate || rate > kMaxSampleRate) {
      return InvalidArgument("sample rate %d Hz is outside %d..%d Hz", rate, kMinSampleRate,
                             kMaxSampleRate);
    }
  }
  if (from_rate == to_rate || samples.empty()) {
    return std::vector<float>(samples.begin(), samples.end());
  }
  const double ratio = double(to_rate) / double(from_rate);
  const size_t n_out = size_t(std::llround(double(samples.size()) * ratio));
  // Room for the converter's own rounding of the length; the result is cut or padded to n_out.
  std::vector<float> out(n_out + 64, 0.0f);
  SRC_DATA job{};
  job.data_in = samples.data();
  job.input_frames = long(samples.size());
  job.data_out = out.data();
  job.output_frames = long(out.size());
  job.src_ratio = ratio;
  job.end_of_input = 1;
  const int err = src_simple(&job, SRC_SINC_BEST_QUALITY, 1);
  if (err != 0) {
    return Internal("resampling %d Hz to %d Hz failed: %s", from_rate, to_rate, src_strerror(err));
  }
  out.resize(n_out);  // any frames the converter did not produce stay zero
  return out;
}

}  // namespace omni
