// Status and StatusOr: how every expected failure travels (bad file, bad argument, unsupported
// feature). Messages are written for the user: they name the thing that failed, the problem, and
// where possible what to do. Programmer errors use assert(), never Status.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace omni {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller asked for something malformed or out of range
  kNotFound,         // a file, key or tensor that does not exist
  kIoError,          // the operating system refused (open, read, mmap, write)
  kCorrupt,          // a file's bytes break its format's rules
  kUnsupported,      // valid input that this build does not handle (yet)
  kOutOfRange,       // a limit was reached (the context window, a size cap)
  kUnavailable,      // cannot be served now (a full queue, shutting down); retrying later may work
  kInternal,
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corrupt: model.gguf: tensor 'x' ends past the end of the file"
  std::string to_string() const;
  // Returns a copy whose message starts with `context: `.
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// printf-style message builder used by the error constructors below.
std::string str_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#define OMNI_DEFINE_ERROR(fn, code)                  \
  template <typename... Args>                        \
  Status fn(const char* fmt, Args... args) {         \
    if constexpr (sizeof...(Args) == 0)              \
      return Status(code, fmt);                      \
    else                                             \
      return Status(code, str_printf(fmt, args...)); \
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-security"
OMNI_DEFINE_ERROR(InvalidArgument, StatusCode::kInvalidArgument)
OMNI_DEFINE_ERROR(NotFound, StatusCode::kNotFound)
OMNI_DEFINE_ERROR(IoError, StatusCode::kIoError)
OMNI_DEFINE_ERROR(Corrupt, StatusCode::kCorrupt)
OMNI_DEFINE_ERROR(Unsupported, StatusCode::kUnsupported)
OMNI_DEFINE_ERROR(OutOfRange, StatusCode::kOutOfRange)
OMNI_DEFINE_ERROR(Unavailable, StatusCode::kUnavailable)
OMNI_DEFINE_ERROR(Internal, StatusCode::kInternal)
#pragma GCC diagnostic pop
#undef OMNI_DEFINE_ERROR

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}
  StatusOr(Status status) : status_(std::move(status)) { assert(!status_.ok()); }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace omni

#define OMNI_CONCAT_INNER(a, b) a##b
#define OMNI_CONCAT(a, b) OMNI_CONCAT_INNER(a, b)

#define OMNI_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::omni::Status omni_status_ = (expr);        \
    if (!omni_status_.ok()) return omni_status_; \
  } while (0)

#define OMNI_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

// OMNI_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
#define OMNI_ASSIGN_OR_RETURN(lhs, expr) \
  OMNI_ASSIGN_OR_RETURN_IMPL(OMNI_CONCAT(omni_statusor_, __LINE__), lhs, expr)
