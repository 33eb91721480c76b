// A transcription's result as the API and the command line report it: segments with times in
// seconds, and the subtitle formats made from them (SubRip, WebVTT). JSON shapes are the
// server's business (src/server/transcript_json.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace omni {

struct TranscriptSegment {
  int id = 0;
  int64_t seek = 0;  // the window's start, in 10 ms mel frames (openai-whisper's unit)
  double start = 0, end = 0;
  std::string text;
  std::vector<int32_t> tokens;
  double temperature = 0;
  double avg_logprob = 0;
  double compression_ratio = 0;
  double no_speech_prob = 0;
};

struct Transcript {
  std::string task = "transcribe";  // or "translate"
  std::string language;             // ISO-639-1, e.g. "en"
  double duration = 0;              // seconds of audio
  std::string text;
  std::vector<TranscriptSegment> segments;
};

// "00:01:02,345" (SubRip) or "00:01:02.345" (WebVTT).
std::string subtitle_time(double seconds, char decimal_mark);
// Numbered cues, "1\n00:00:00,000 --> 00:00:02,500\ntext\n\n".
std::string to_srt(const Transcript& t);
// "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\ntext\n\n".
std::string to_vtt(const Transcript& t);

}  // namespace omni
