// Transcripts in the shapes of OpenAI's audio endpoints: `json` ({"text", "usage"}) and
// `verbose_json` ({"task", "language", "duration", "text", "segments": [...], "usage"}).
#pragma once

#include <string>

#include "engine/transcript.h"

namespace omni::server {

std::string transcript_json(const Transcript& t);
std::string transcript_verbose_json(const Transcript& t);

}  // namespace omni::server
