// Logging to stderr. The level is process-wide (set once by the CLI); everything else that
// carries state is passed explicitly.
#pragma once

namespace omni {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kSilent = 4 };

void set_log_level(LogLevel level);
LogLevel log_level();

void log_message(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// A progress line that rewrites itself on a terminal ("quantizing  42/291 tensors").
// Prints nothing below kInfo. Call progress_done() once when the work is finished.
void log_progress(const char* what, long long done, long long total);
void progress_done();

}  // namespace omni

#define OMNI_LOG_DEBUG(...) ::omni::log_message(::omni::LogLevel::kDebug, __VA_ARGS__)
#define OMNI_LOG_INFO(...) ::omni::log_message(::omni::LogLevel::kInfo, __VA_ARGS__)
#define OMNI_LOG_WARN(...) ::omni::log_message(::omni::LogLevel::kWarn, __VA_ARGS__)
#define OMNI_LOG_ERROR(...) ::omni::log_message(::omni::LogLevel::kError, __VA_ARGS__)
