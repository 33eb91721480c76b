// multipart/form-data request bodies (RFC 7578), as the audio endpoints receive them: the
// boundary comes from the Content-Type header; each part has a name, an optional filename and
// content type, and its bytes. Parts are views into the body, which must outlive them.
// Malformed bodies give kInvalidArgument with a message saying what is wrong.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace omni::server {

struct FormPart {
  std::string name;
  std::string filename;      // empty for plain fields
  std::string content_type;  // empty when the part gives none
  std::string_view data;
  bool is_file() const { return !filename.empty(); }
};

// The boundary parameter of a multipart/form-data Content-Type.
StatusOr<std::string> multipart_boundary(std::string_view content_type);

// At most max_parts parts; a part's headers may not exceed 16 KiB.
StatusOr<std::vector<FormPart>> parse_multipart(std::string_view content_type,
                                                std::string_view body, size_t max_parts = 256);

}  // namespace omni::server
