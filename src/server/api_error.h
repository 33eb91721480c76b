// Errors as OpenAI's API shapes them: an HTTP status and
//   {"error": {"message": ..., "type": ..., "param": ... | null, "code": ... | null}}
#pragma once

#include <string>

#include "base/status.h"

namespace omni::server {

struct ApiError {
  int http_status = 400;
  std::string type = "invalid_request_error";
  std::string code;   // "" -> null
  std::string param;  // "" -> null
  std::string message;
};

ApiError invalid_param(const std::string& param, const std::string& message);
// An engine Status as the API reports it (context overflow -> 400 context_length_exceeded, a full
// queue -> 429, anything unexpected -> 500).
ApiError api_error_from_status(const Status& status);
std::string error_body(const ApiError& error);  // the JSON object above

}  // namespace omni::server
