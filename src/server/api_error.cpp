#include "server/api_error.h"

#include <nlohmann/json.hpp>

namespace omni::server {

ApiError invalid_param(const std::string& param, const std::string& message) {
  ApiError e;
  e.param = param;
  e.message = message;
  return e;
}

ApiError api_error_from_status(const Status& s) {
  ApiError e;
  e.message = s.message();
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      break;
    case StatusCode::kOutOfRange:
      if (s.message().rfind("context_length_exceeded", 0) == 0) {
        e.code = "context_length_exceeded";
        e.param = "messages";
      }
      break;
    case StatusCode::kUnavailable:
      e.http_status = 429;
      e.type = "rate_limit_error";
      e.code = "rate_limit_exceeded";
      break;
    case StatusCode::kNotFound:
      e.http_status = 404;
      break;
    default:
      e.http_status = 500;
      e.type = "server_error";
      break;
  }
  return e;
}

std::string error_body(const ApiError& e) {
  nlohmann::ordered_json j;
  j["error"]["message"] = e.message;
  j["error"]["type"] = e.type;
  j["error"]["param"] =
      e.param.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(e.param);
  j["error"]["code"] = e.code.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(e.code);
  return j.dump();
}

}  // namespace omni::server
