// Decoding through libsndfile's virtual I/O over a memory buffer.
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "audio/audio.h"
#include "audio/completeness.h"
#include "base/mapped_file.h"

namespace omni {
namespace {

// The read-only "file" libsndfile sees: the caller's bytes and a position.
struct MemoryFile {
  const uint8_t* data;
  sf_count_t size;
  sf_count_t pos = 0;
};

sf_count_t vio_get_filelen(void* user) {
  return static_cast<MemoryFile*>(user)->size;
}

sf_count_t vio_seek(sf_count_t offset, int whence, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  sf_count_t base = 0;
  switch (whence) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = f->pos;
      break;
    case SEEK_END:
      base = f->size;
      break;
    default:
      return -1;
  }
  // Positions past the end are allowed (reads there return nothing); negative ones are not.
  if ((offset < 0 && -offset > base) || (offset > 0 && offset > INT64_MAX - base)) return -1;
  f->pos = base + offset;
  return f->pos;
}

sf_count_t vio_read(void* ptr, sf_count_t count, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  if (count <= 0 || f->pos >= f->size) return 0;
  const sf_count_t n = std::min(count, f->size - f->pos);
  std::memcpy(ptr, f->data + f->pos, size_t(n));
  f->pos += n;
  return n;
}

sf_count_t vio_write(const void*, sf_count_t, void*) {
  return 0;
}

sf_count_t vio_tell(void* user) {
  return static_cast<MemoryFile*>(user)->pos;
}

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};

std::string format_name(SNDFILE* file, int format) {
  std::string name;
  for (int part : {format & SF_FORMAT_TYPEMASK, format & SF_FORMAT_SUBMASK}) {
    SF_FORMAT_INFO info{};
    info.format = part;
    if (sf_command(file, SFC_GET_FORMAT_INFO, &info, sizeof(info)) == 0 && info.name) {
      name += (name.empty() ? "" : ", ") + std::string(info.name);
    }
  }
  return name.empty() ? "unknown" : name;
}

// libsndfile reports the frame count of MP3 from an estimate; its decoders may yield slightly
// fewer frames than that without the file being damaged.
bool frame_count_is_exact(int format) {
  return (format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG;
}

Status open_error(const std::string& label, int code, const char* detail) {
  switch (code) {
    case SF_ERR_UNRECOGNISED_FORMAT:
      return Unsupported(
          "%s: not audio in a format this build reads (WAV, MP3, FLAC, Ogg Vorbis/Opus, AIFF, "
          "...): %s",
          label.c_str(), detail);
    case SF_ERR_UNSUPPORTED_ENCODING:
      return Unsupported("%s: unsupported audio encoding: %s", label.c_str(), detail);
    default:
      return Corrupt("%s: cannot decode the audio: %s", label.c_str(), detail);
  }
}

}  // namespace

StatusOr<Audio> decode_audio(const uint8_t* data, size_t size, const std::string& label,
                             const DecodeOptions& options) {
  if (size == 0) return InvalidArgument("%s: the audio is empty (0 bytes)", label.c_str());
  MemoryFile mem{data, sf_count_t(size)};
  SF_VIRTUAL_IO vio{vio_get_filelen, vio_seek, vio_read, vio_write, vio_tell};
  SF_INFO info{};
  std::unique_ptr<SNDFILE, SndfileCloser> file(sf_open_virtual(&vio, SFM_READ, &info, &mem));
  if (!file) {
    const int code = sf_error(nullptr);
    const std::string detail = sf_strerror(nullptr);
    // A file cut short often fails to open; say so when the framing shows it.
    if (code == SF_ERR_MALFORMED_FILE) {
      OMNI_RETURN_IF_ERROR(check_wav_complete(data, size, label));
      OMNI_RETURN_IF_ERROR(check_ogg_complete(data, size, label));
      OMNI_RETURN_IF_ERROR(check_mpeg_complete(data, size, label));
    }
    return open_error(label, code, detail.c_str());
  }

  if (info.channels < 1) {
    return Corrupt("%s: the audio has %d channels", label.c_str(), info.channels);
  }
  if (info.samplerate < kMinSampleRate || info.samplerate > kMaxSampleRate) {
    return Unsupported("%s: sample rate %d Hz is outside %d..%d Hz", label.c_str(), info.samplerate,
                       kMinSampleRate, kMaxSampleRate);
  }
  switch (info.format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
      OMNI_RETURN_IF_ERROR(check_wav_complete(data, size, label));
      break;
    case SF_FORMAT_OGG:
      OMNI_RETURN_IF_ERROR(check_ogg_complete(data, size, label));
      break;
    case SF_FORMAT_MPEG:
      OMNI_RETURN_IF_ERROR(check_mpeg_complete(data, size, label));
      break;
    default:
      break;
  }
  const int channels = info.channels;
  const double max_frames_d = options.max_seconds * info.samplerate;
  const sf_count_t max_frames = max_frames_d < 9e18 ? sf_count_t(max_frames_d) : INT64_MAX;

  Audio audio;
  audio.sample_rate = info.samplerate;
  audio.source_channels = channels;
  audio.format = format_name(file.get(), info.format);
  if (info.frames > 0 && info.frames <= max_frames) audio.samples.reserve(size_t(info.frames));

  constexpr sf_count_t kChunkFrames = 4096;
  std::vector<float> chunk(size_t(kChunkFrames) * size_t(channels));
  sf_count_t total = 0;
  for (;;) {
    const sf_count_t got = sf_readf_float(file.get(), chunk.data(), kChunkFrames);
    if (got <= 0) break;
    if (total + got > max_frames) {
      return OutOfRange("%s: the audio is longer than the limit of %.0f s", label.c_str(),
                        options.max_seconds);
    }
    for (sf_count_t i = 0; i < got; ++i) {
      const float* frame = chunk.data() + size_t(i) * size_t(channels);
      float v = frame[0];
      if (channels > 1) {
        double sum = 0;
        for (int c = 0; c < channels; ++c) sum += frame[c];
        v = float(sum / channels);
      }
      if (!std::isfinite(v)) {
        return Corrupt("%s: sample %lld is not a finite number", label.c_str(),
                       (long long)(total + i));
      }
      audio.samples.push_back(v);
    }
    total += got;
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR) {
    return Corrupt("%s: decoding failed after %lld frames (truncated or damaged file?): %s",
                   label.c_str(), (long long)total, sf_strerror(file.get()));
  }
  if (total == 0) return InvalidArgument("%s: the audio holds no samples", label.c_str());
  if (frame_count_is_exact(info.format) && info.frames > total) {
    return Corrupt("%s: truncated: the header promises %lld frames but the data holds %lld",
                   label.c_str(), (long long)info.frames, (long long)total);
  }
  return audio;
}

StatusOr<Audio> decode_audio_file(const std::string& path, const DecodeOptions& options) {
  OMNI_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(path));
  return decode_audio(file.data(), file.size(), path, options);
}

StatusOr<Audio> load_audio(const uint8_t* data, size_t size, const std::string& label, int rate,
                           const DecodeOptions& options) {
  OMNI_ASSIGN_OR_RETURN(Audio audio, decode_audio(data, size, label, options));
  if (audio.sample_rate == rate) return audio;
  auto out = resample(audio.samples, audio.sample_rate, rate);
  if (!out.ok()) return out.status().with_context(label);
  audio.samples = std::move(out).value();
  audio.sample_rate = rate;
  return audio;
}

}  // namespace omni
