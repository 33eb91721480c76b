#include "server/transcript_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace omni::server {

using json = nlohmann::ordered_json;

namespace {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json duration_usage(const Transcript& t) {
  return json{{"type", "duration"}, {"seconds", int64_t(std::ceil(t.duration))}};
}

}  // namespace

std::string transcript_json(const Transcript& t) {
  return dump(json{{"text", t.text}, {"usage", duration_usage(t)}});
}

std::string transcript_verbose_json(const Transcript& t) {
  json segments = json::array();
  for (const TranscriptSegment& s : t.segments) {
    segments.push_back(json{{"id", s.id},
                            {"seek", s.seek},
                            {"start", s.start},
                            {"end", s.end},
                            {"text", s.text},
                            {"tokens", s.tokens},
                            {"temperature", s.temperature},
                            {"avg_logprob", s.avg_logprob},
                            {"compression_ratio", s.compression_ratio},
                            {"no_speech_prob", s.no_speech_prob}});
  }
  return dump(json{{"task", t.task},
                   {"language", t.language},
                   {"duration", t.duration},
                   {"text", t.text},
                   {"segments", std::move(segments)},
                   {"usage", duration_usage(t)}});
}

}  // namespace omni::server
