// Small helpers the probes share to turn driver readings into facts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "agent/probe.h"
#include "drivers/base/result.h"

namespace posdiag::agent::probes {

// A kernel device name as one fact-name segment: lower case, anything outside [a-z0-9_] as '_'
// ("axp20x-usb" -> "axp20x_usb", "BAT0" -> "bat0").
std::string FactSegment(std::string_view name);

// Writes the reading as a fact, or as missing with the reading's error as the reason.
template <typename T>
void SetOrMissing(FactWriter& out, std::string name, const Result<T>& reading,
                  std::string unit = {}) {
  static_assert(std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> ||
                    std::is_same_v<T, double> || std::is_same_v<T, std::string>,
                "a fact is bool, int64, double or text");
  if (reading.ok()) {
    out.Set(std::move(name), reading.value(), std::move(unit));
  } else {
    out.Missing(std::move(name), reading.error().detail);
  }
}

}  // namespace posdiag::agent::probes
