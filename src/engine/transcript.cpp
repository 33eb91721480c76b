#include "engine/transcript.h"

#include <cmath>
#include <cstdio>

namespace omni {

namespace {

std::string trimmed(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\n')) --e;
  return s.substr(b, e - b);
}

}  // namespace

std::string subtitle_time(double seconds, char decimal_mark) {
  const int64_t ms = std::llround(std::max(0.0, seconds) * 1000.0);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld%c%03lld", (long long)(ms / 3600000),
                (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60), decimal_mark,
                (long long)(ms % 1000));
  return buf;
}

std::string to_srt(const Transcript& t) {
  std::string out;
  int n = 0;
  for (const TranscriptSegment& s : t.segments) {
    out += std::to_string(++n) + "\n" + subtitle_time(s.start, ',') + " --> " +
           subtitle_time(s.end, ',') + "\n" + trimmed(s.text) + "\n\n";
  }
  return out;
}

std::string to_vtt(const Transcript& t) {
  std::string out = "WEBVTT\n\n";
  for (const TranscriptSegment& s : t.segments) {
    out += subtitle_time(s.start, '.') + " --> " + subtitle_time(s.end, '.') + "\n" +
           trimmed(s.text) + "\n\n";
  }
  return out;
}

}  // namespace omni
