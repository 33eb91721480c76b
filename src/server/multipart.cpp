#include "server/multipart.h"

#include <algorithm>
#include <cctype>

namespace omni::server {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `key` in a header value like `form-data; name="file"; filename="a.wav"`
// (quoted with backslash escapes, or a bare token). Sets *found.
std::string header_param(std::string_view value, std::string_view key, bool* found) {
  *found = false;
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    const size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return "";
    const std::string name = lower(trim(value.substr(i, eq - i)));
    size_t j = eq + 1;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v += value[j++];
      }
      if (j < value.size()) ++j;  // closing quote
    } else {
      while (j < value.size() && value[j] != ';') v += value[j++];
      v = std::string(trim(v));
    }
    if (name == key) {
      *found = true;
      return v;
    }
    i = value.find(';', j);
  }
  return "";
}

}  // namespace

StatusOr<std::string> multipart_boundary(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  const std::string type = lower(trim(content_type.substr(0, semi)));
  if (type != "multipart/form-data") {
    return InvalidArgument(
        "expected Content-Type multipart/form-data with the audio file and fields, got '%s'",
        std::string(content_type).c_str());
  }
  bool found = false;
  std::string boundary = header_param(content_type, "boundary", &found);
  if (!found || boundary.empty() || boundary.size() > 70) {
    return InvalidArgument("the multipart/form-data Content-Type has no valid boundary");
  }
  return boundary;
}

StatusOr<std::vector<FormPart>> parse_multipart(std::string_view content_type,
                                                std::string_view body, size_t max_parts) {
  OMNI_ASSIGN_OR_RETURN(const std::string boundary, multipart_boundary(content_type));
  const std::string delimiter = "--" + boundary;
  const std::string next_delimiter = "\r\n--" + boundary;
  // The first delimiter: at the very start, or after a preamble line.
  size_t at;
  if (body.substr(0, delimiter.size()) == delimiter) {
    at = delimiter.size();
  } else {
    const size_t found = body.find(next_delimiter);
    if (found == std::string_view::npos)
      return InvalidArgument("the multipart body has no part (boundary '%s' not found)",
                             boundary.c_str());
    at = found + next_delimiter.size();
  }
  std::vector<FormPart> parts;
  for (;;) {
    // After a delimiter: "--" ends the body; otherwise optional whitespace and CRLF.
    if (body.substr(at, 2) == "--") return parts;
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
    if (body.substr(at, 2) != "\r\n")
      return InvalidArgument("malformed multipart body: a boundary line does not end in CRLF");
    at += 2;
    if (parts.size() == max_parts)
      return InvalidArgument("the multipart body has more than %zu parts", max_parts);
    const size_t headers_end = body.find("\r\n\r\n", at);
    const bool no_headers = body.substr(at, 2) == "\r\n";
    if (!no_headers && (headers_end == std::string_view::npos || headers_end - at > 16384))
      return InvalidArgument("malformed multipart body: a part's headers do not end");
    FormPart part;
    bool has_disposition = false;
    std::string_view headers = no_headers ? std::string_view() : body.substr(at, headers_end - at);
    while (!headers.empty()) {
      const size_t eol = std::min(headers.find("\r\n"), headers.size());
      const std::string_view line = headers.substr(0, eol);
      headers.remove_prefix(std::min(headers.size(), eol + 2));
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos)
        return InvalidArgument("malformed multipart body: a part header has no ':'");
      const std::string name = lower(trim(line.substr(0, colon)));
      const std::string_view value = trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        has_disposition = true;
        if (lower(trim(value.substr(0, value.find(';')))) != "form-data")
          return InvalidArgument("a multipart part's Content-Disposition is not form-data");
        bool found = false;
        part.name = header_param(value, "name", &found);
        if (!found) return InvalidArgument("a multipart part has no name");
        part.filename = header_param(value, "filename", &found);
        if (found && part.filename.empty()) part.filename = "upload";  // a file, unnamed
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!has_disposition)
      return InvalidArgument("a multipart part has no Content-Disposition header");
    const size_t data_begin = no_headers ? at + 2 : headers_end + 4;
    const size_t data_end = body.find(next_delimiter, data_begin);
    if (data_end == std::string_view::npos) {
      return InvalidArgument(
          "the multipart body is truncated: part '%s' has no closing boundary (was the upload "
          "cut short?)",
          part.name.c_str());
    }
    part.data = body.substr(data_begin, data_end - data_begin);
    parts.push_back(std::move(part));
    at = data_end + next_delimiter.size();
  }
}

}  // namespace omni::server
