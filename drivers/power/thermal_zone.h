// Thermal zones as the kernel describes them in /sys/class/thermal/thermal_zone*: the zone's
// temperature and its trip points, in °C. Like the power supplies, each value carries its own
// Error so one unreadable sensor does not hide the others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/root_fs.h"

namespace posdiag::drivers::power {

inline constexpr std::string_view kThermalClass = "/sys/class/thermal";
inline constexpr std::size_t kMaxZones = 64;
inline constexpr std::size_t kMaxTripsPerZone = 32;
// The kernel's THERMAL_TEMP_INVALID: a trip point that is not in use.
inline constexpr std::int64_t kThermalTempInvalidMilli = -274000;

struct TripPoint {
  int index = 0;  // N of trip_point_N_*
  Result<std::string> type =
      Error{ErrorKind::kNotFound, "not read"};  // passive, hot, critical, active
  // kUnsupported when the kernel marks the trip point unused.
  Result<double> temp_c = Error{ErrorKind::kNotFound, "not read"};
};

struct ThermalZoneReading {
  std::string name;  // the directory name: "thermal_zone0"
  Result<std::string> type = Error{ErrorKind::kNotFound, "not read"};  // "cpu-thermal", "acpitz"
  Result<double> temp_c = Error{ErrorKind::kNotFound, "not read"};
  std::vector<TripPoint> trips;  // by index
};

// Reads one zone directory, /sys/class/thermal/<name>.
ThermalZoneReading ReadThermalZone(const io::RootFs& fs, std::string_view name);

// Reads every thermal_zone<N>, in numeric order (cooling devices are skipped). kNotFound when the
// class directory is absent; kTimeout when the deadline passes before the last zone is read.
Result<std::vector<ThermalZoneReading>> ReadThermalZones(const io::RootFs& fs,
                                                         const io::Deadline& deadline);

}  // namespace posdiag::drivers::power
