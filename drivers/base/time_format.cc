#include "drivers/base/time_format.h"

#include <cstdio>
#include <ctime>

namespace posdiag {
namespace {

struct Split {
  std::time_t seconds;
  int millis;
};

Split SplitTime(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  // Floor division so a time before 1970 still formats.
  std::int64_t secs = ms / 1000;
  std::int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    secs -= 1;
  }
  return {static_cast<std::time_t>(secs), static_cast<int>(rem)};
}

std::string Format(const char* fmt, const std::tm& tm) {
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

std::string WithMillis(const char* fmt, std::chrono::system_clock::time_point t) {
  const Split s = SplitTime(t);
  std::tm tm{};
  if (gmtime_r(&s.seconds, &tm) == nullptr) return "invalid-time";
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", s.millis);
  return Format(fmt, tm) + ms;
}

}  // namespace

std::string FormatRfc3339Utc(std::chrono::system_clock::time_point t) {
  return WithMillis("%Y-%m-%dT%H:%M:%S", t);
}

std::string FormatCompactUtc(std::chrono::system_clock::time_point t) {
  return WithMillis("%Y%m%dT%H%M%S", t);
}

std::string FormatRfc3339UtcSeconds(std::int64_t epoch_s) {
  const auto t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "invalid-time";
  return Format("%Y-%m-%dT%H:%M:%SZ", tm);
}

std::string FormatLocalTime(std::chrono::system_clock::time_point t) {
  const Split s = SplitTime(t);
  std::tm tm{};
  if (localtime_r(&s.seconds, &tm) == nullptr) return "invalid-time";
  return Format("%Y-%m-%d %H:%M:%S %z", tm);
}

}  // namespace posdiag
