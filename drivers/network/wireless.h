// /proc/net/wireless: the signal of each Wi-Fi interface as the wireless extensions report it
// (protocol-facts section 5). ParseProcNetWireless is pure: any bytes give rows or an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::drivers::network {

struct WirelessRow {
  std::string interface;
  double link_quality = 0;                // the driver's own scale (often 0-70 or 0-100)
  std::int64_t level = 0;                 // dBm when the driver reports dBm (a negative number)
  std::optional<std::int64_t> noise_dbm;  // absent when the driver reports none (-256)
};

// Skips the two header lines; each further line is "iface: status link level noise ...", where a
// value may carry a trailing '.' (updated). Blank lines are ignored; a row that does not decode is
// a kParse error naming its line.
Result<std::vector<WirelessRow>> ParseProcNetWireless(std::string_view text);

}  // namespace posdiag::drivers::network
