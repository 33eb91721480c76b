// The Whisper log-mel spectrogram, as openai-whisper's log_mel_spectrogram computes it:
//   16 kHz samples, followed by `pad_samples` zeros (30 s by default, as whisper's transcribe()
//   does), reflect-padded by n_fft/2 at both ends; frames of n_fft = 400 samples every hop = 160
//   samples, times a periodic Hann window; power spectrum |rfft|^2 (201 bins); the last frame is
//   dropped, leaving floor(n_padded / 160) frames; mel = filterbank x power; log10(max(mel,
//   1e-10)); clamped below at (global max - 8); then (x + 4) / 4.
// Everything is computed in double precision and stored as float.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"

namespace omni {

class ThreadPool;

inline constexpr int kWhisperSampleRate = 16000;
inline constexpr int kWhisperNFft = 400;
inline constexpr int kWhisperHop = 160;
inline constexpr int kWhisperNBins = kWhisperNFft / 2 + 1;                          // 201
inline constexpr int64_t kWhisperChunkSamples = 30 * kWhisperSampleRate;            // 480000
inline constexpr int64_t kWhisperChunkFrames = kWhisperChunkSamples / kWhisperHop;  // 3000

struct MelFilterbank {
  int n_mels = 0;
  int n_bins = 0;              // n_fft / 2 + 1
  std::vector<float> weights;  // [n_bins, n_mels]: row m is mel bin m's weight on each FFT bin
};

// The Slaney-style filterbank (librosa.filters.mel(sr, n_fft, n_mels), htk=False,
// norm="slaney", fmin 0, fmax sr/2), rounded to float32 exactly as librosa stores it. Whisper's
// 80- and 128-bin filterbanks are this with sr 16000 and n_fft 400.
MelFilterbank slaney_mel_filterbank(int n_mels, int n_fft = kWhisperNFft,
                                    int sample_rate = kWhisperSampleRate);

struct LogMel {
  int n_mels = 0;
  int64_t n_frames = 0;
  std::vector<float> data;  // [n_frames, n_mels]: row m holds mel bin m over time (whisper's)

  float at(int mel, int64_t frame) const { return data[size_t(mel) * size_t(n_frames) + frame]; }
};

struct MelOptions {
  int64_t pad_samples = kWhisperChunkSamples;  // zeros appended before the STFT
  ThreadPool* pool = nullptr;                  // frames are split over it when given
};

// `samples` are mono at 16 kHz. The filterbank must have n_bins == 201.
StatusOr<LogMel> whisper_log_mel(std::span<const float> samples, const MelFilterbank& filters,
                                 const MelOptions& options = {});

// Frames [start, start + n_frames) of `mel`, zero-filled past its end (whisper's pad_or_trim of a
// 30 s segment): the encoder's input window.
LogMel mel_window(const LogMel& mel, int64_t start, int64_t n_frames = kWhisperChunkFrames);

}  // namespace omni
