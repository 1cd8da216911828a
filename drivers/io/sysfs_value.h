// Pure parsers for the text the kernel writes in sysfs attributes and /proc files, and for the
// package status files of dpkg and opkg. Each takes the text as read (any bytes, any length) and
// returns the value or an Error of kind kParse that says what was wrong; none of them does I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/base/result.h"

namespace posdiag::io {

// The longest enumerated attribute ("Unspecified failure", "Li-poly", a thermal zone type) is far
// shorter; anything longer is not a sysfs enumeration.
inline constexpr std::size_t kMaxEnumLength = 64;

// A decimal integer attribute ("1234\n", "-512"): surrounding whitespace is trimmed, an optional
// sign is allowed, and a value outside int64 is an error rather than a wrapped number.
Result<std::int64_t> ParseIntAttr(std::string_view text);

// A boolean attribute written as exactly "0" or "1".
Result<bool> ParseBoolAttr(std::string_view text);

// An enumerated text attribute ("Discharging", "Not charging"): trimmed, non-empty, printable
// ASCII only, at most max_length characters.
Result<std::string> ParseEnumAttr(std::string_view text, std::size_t max_length = kMaxEnumLength);

// The first line of a text, trimmed, under the rules of ParseEnumAttr (a version file).
Result<std::string> ParseFirstLine(std::string_view text, std::size_t max_length = kMaxEnumLength);

// /proc/meminfo, values in KiB ("MemTotal:  1024000 kB"). MemTotal is required; the others are
// empty when the kernel does not report them (MemAvailable appeared in Linux 3.14).
struct MemInfo {
  std::int64_t total_kib = 0;
  std::optional<std::int64_t> free_kib;
  std::optional<std::int64_t> available_kib;
  std::optional<std::int64_t> buffers_kib;
  std::optional<std::int64_t> cached_kib;
  std::optional<std::int64_t> swap_total_kib;
  std::optional<std::int64_t> swap_free_kib;
};
Result<MemInfo> ParseMemInfo(std::string_view text);

// /proc/loadavg: "0.52 0.58 0.59 1/1234 5678". The three averages are required; the
// runnable/total entity counts are read when present.
struct LoadAvg {
  double avg_1m = 0;
  double avg_5m = 0;
  double avg_15m = 0;
  std::optional<std::int64_t> runnable;
  std::optional<std::int64_t> entities;
};
Result<LoadAvg> ParseLoadAvg(std::string_view text);

// /proc/uptime: "12345.67 54321.00" — seconds since boot and, when present, idle seconds summed
// over CPUs.
struct Uptime {
  double uptime_s = 0;
  std::optional<double> idle_s;
};
Result<Uptime> ParseUptime(std::string_view text);

// A kernel CPU list ("0-3", "0,2-5,7") as in /sys/devices/system/cpu/online; returns how many
// distinct CPUs it names. Ids at or above kMaxCpuId are rejected.
inline constexpr std::int64_t kMaxCpuId = 8192;
Result<std::int64_t> ParseCpuListCount(std::string_view text);

// The installed version of a package in a dpkg or opkg status file (Debian control paragraphs:
// "Package:", "Status:", "Version:"). kNotFound when the package has no paragraph or its Status
// is not "install ok installed"; kParse when its Version is unusable.
Result<std::string> FindInstalledPackageVersion(std::string_view status_text,
                                                std::string_view package);

}  // namespace posdiag::io
