// Times as posdiag writes them. Times before 1970 (a terminal whose clock battery is dead) format
// too.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace posdiag {

// "2026-11-21T05:40:49.123Z" (RFC 3339, UTC, milliseconds); "invalid-time" when the C library
// cannot break the time down.
std::string FormatRfc3339Utc(std::chrono::system_clock::time_point t);
// Whole seconds since the epoch: "2026-11-21T05:40:49Z"; "invalid-time" as above.
std::string FormatRfc3339UtcSeconds(std::int64_t epoch_s);
// "20261121T054049.123Z": sorts like the time it names, safe in a file name.
std::string FormatCompactUtc(std::chrono::system_clock::time_point t);
// "2026-11-21 13:40:49 +0800": the terminal's local time with its offset, for people.
std::string FormatLocalTime(std::chrono::system_clock::time_point t);

}  // namespace posdiag
