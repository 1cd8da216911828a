#include "drivers/power/thermal_zone.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include "drivers/io/sysfs_value.h"
#include "drivers/power/sysfs_attr.h"

namespace posdiag::drivers::power {
namespace {

using internal::ReadAttr;

Result<double> ParseMilliCelsius(std::string_view text) {
  auto v = io::ParseIntAttr(text);
  if (!v) return v.error();
  return static_cast<double>(*v) / 1000.0;
}

Result<double> ParseTripMilliCelsius(std::string_view text) {
  auto v = io::ParseIntAttr(text);
  if (!v) return v.error();
  if (*v <= kThermalTempInvalidMilli) {
    return Error{ErrorKind::kUnsupported, "trip point not in use"};
  }
  return static_cast<double>(*v) / 1000.0;
}

Result<std::string> ParseEnum(std::string_view text) { return io::ParseEnumAttr(text); }

// The N of "<prefix>N<suffix>", or nothing when name is not of that form.
std::optional<int> NumberIn(std::string_view name, std::string_view prefix,
                            std::string_view suffix) {
  if (!name.starts_with(prefix) || !name.ends_with(suffix) ||
      name.size() <= prefix.size() + suffix.size()) {
    return std::nullopt;
  }
  const std::string_view digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  int n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

}  // namespace

ThermalZoneReading ReadThermalZone(const io::RootFs& fs, std::string_view name) {
  const std::string dir = std::string(kThermalClass) + "/" + std::string(name);
  ThermalZoneReading z;
  z.name = std::string(name);
  z.type = ReadAttr(fs, dir, name, "type", ParseEnum);
  z.temp_c = ReadAttr(fs, dir, name, "temp", ParseMilliCelsius);

  auto entries = fs.List(dir);
  if (!entries) return z;  // type and temp already carry the reason
  std::set<int> indices;
  for (const std::string& entry : *entries) {
    auto n = NumberIn(entry, "trip_point_", "_temp");
    if (!n) n = NumberIn(entry, "trip_point_", "_type");
    if (n) indices.insert(*n);
  }
  for (int n : indices) {
    if (z.trips.size() == kMaxTripsPerZone) break;
    const std::string prefix = "trip_point_" + std::to_string(n);
    TripPoint t;
    t.index = n;
    t.type = ReadAttr(fs, dir, name, prefix + "_type", ParseEnum);
    t.temp_c = ReadAttr(fs, dir, name, prefix + "_temp", ParseTripMilliCelsius);
    z.trips.push_back(std::move(t));
  }
  return z;
}

Result<std::vector<ThermalZoneReading>> ReadThermalZones(const io::RootFs& fs,
                                                         const io::Deadline& deadline) {
  auto entries = fs.List(kThermalClass);
  if (!entries) return entries.error().Context("thermal zones");
  std::vector<std::pair<int, std::string>> zones;
  for (const std::string& entry : *entries) {
    if (auto n = NumberIn(entry, "thermal_zone", "")) zones.emplace_back(*n, entry);
  }
  std::sort(zones.begin(), zones.end());
  std::vector<ThermalZoneReading> out;
  for (const auto& [n, name] : zones) {
    if (out.size() == kMaxZones) break;
    if (deadline.Expired()) {
      return Error{ErrorKind::kTimeout, "thermal zones: deadline passed after " +
                                            std::to_string(out.size()) + " of " +
                                            std::to_string(zones.size())};
    }
    out.push_back(ReadThermalZone(fs, name));
  }
  return out;
}

}  // namespace posdiag::drivers::power
