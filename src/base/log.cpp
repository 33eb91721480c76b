#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace omni {
namespace {
std::atomic<int> g_level{int(LogLevel::kInfo)};
const char* level_tag(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warning";
    case LogLevel::kError:
      return "error";
    default:
      return "";
  }
}
}  // namespace

void set_log_level(LogLevel level) {
  g_level = int(level);
}
LogLevel log_level() {
  return LogLevel(g_level.load());
}

void log_message(LogLevel level, const char* fmt, ...) {
  if (int(level) < g_level.load()) return;
  char buf[2048];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  std::fprintf(stderr, "omni: %s: %s\n", level_tag(level), buf);
}

void log_progress(const char* what, long long done, long long total) {
  if (int(LogLevel::kInfo) < g_level.load()) return;
  const bool tty = isatty(STDERR_FILENO);
  // On a terminal the line rewrites itself; in a log only every 10% is written.
  if (!tty && total > 10 && done != total && done % (total / 10) != 0) return;
  std::fprintf(stderr, "%s%s %lld/%lld (%d%%)%s", tty ? "\r" : "", what, done, total,
               total > 0 ? int(100 * done / total) : 100, tty ? "" : "\n");
  std::fflush(stderr);
}

void progress_done() {
  if (int(LogLevel::kInfo) < g_level.load()) return;
  if (isatty(STDERR_FILENO)) std::fputc('\n', stderr);
}

}  // namespace omni
