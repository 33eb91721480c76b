// Finding truncated files that libsndfile decodes without complaint: a WAV data chunk, an Ogg
// page or an MPEG audio frame that runs past the end of the file. Each check walks the
// container's own framing from the start and judges only what it can parse: on bytes it does not
// recognise (trailing tags, junk) it stops and accepts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace omni {

// Corrupt("LABEL: truncated: ...") when the last unit of the file is cut short; Ok otherwise.
Status check_wav_complete(const uint8_t* data, size_t size, const std::string& label);
Status check_ogg_complete(const uint8_t* data, size_t size, const std::string& label);
Status check_mpeg_complete(const uint8_t* data, size_t size, const std::string& label);

}  // namespace omni
