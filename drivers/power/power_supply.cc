#include "drivers/power/power_supply.h"

#include "drivers/io/sysfs_value.h"
#include "drivers/power/sysfs_attr.h"

namespace posdiag::drivers::power {
namespace {

using internal::ReadAttr;

// A scaled integer attribute: voltage_now in µV → V, temp in 0.1 °C → °C.
auto Scaled(double divisor) {
  return [divisor](std::string_view text) -> Result<double> {
    auto v = io::ParseIntAttr(text);
    if (!v) return v.error();
    return static_cast<double>(*v) / divisor;
  };
}

Result<bool> ParseOnline(std::string_view text) {
  auto v = io::ParseIntAttr(text);
  if (!v) return v.error();
  // 0 offline, 1 online with a fixed output, 2 online and programmable.
  if (*v < 0) return Error{ErrorKind::kParse, "negative online state " + std::to_string(*v)};
  return *v != 0;
}

Result<std::int64_t> ParseCapacity(std::string_view text) {
  auto v = io::ParseIntAttr(text);
  if (!v) return v.error();
  if (*v < 0 || *v > 100) {
    return Error{ErrorKind::kParse, "capacity " + std::to_string(*v) + " outside 0..100"};
  }
  return *v;
}

Result<std::string> ParseEnum(std::string_view text) { return io::ParseEnumAttr(text); }

}  // namespace

bool IsExternalSupplyType(std::string_view type) {
  return type == "Mains" || type == "Wireless" || type.starts_with("USB");
}

PowerSupplyReading ReadPowerSupply(const io::RootFs& fs, std::string_view name) {
  const std::string dir = std::string(kPowerSupplyClass) + "/" + std::string(name);
  PowerSupplyReading r;
  r.name = std::string(name);
  r.type = ReadAttr(fs, dir, name, "type", ParseEnum);
  r.online = ReadAttr(fs, dir, name, "online", ParseOnline);
  r.present = ReadAttr(fs, dir, name, "present", io::ParseBoolAttr);
  r.status = ReadAttr(fs, dir, name, "status", ParseEnum);
  r.capacity_pct = ReadAttr(fs, dir, name, "capacity", ParseCapacity);
  r.capacity_level = ReadAttr(fs, dir, name, "capacity_level", ParseEnum);
  r.health = ReadAttr(fs, dir, name, "health", ParseEnum);
  r.voltage_v = ReadAttr(fs, dir, name, "voltage_now", Scaled(1e6));
  r.current_a = ReadAttr(fs, dir, name, "current_now", Scaled(1e6));
  r.temp_c = ReadAttr(fs, dir, name, "temp", Scaled(10.0));
  r.technology = ReadAttr(fs, dir, name, "technology", ParseEnum);
  return r;
}

Result<std::vector<PowerSupplyReading>> ReadPowerSupplies(const io::RootFs& fs,
                                                          const io::Deadline& deadline) {
  auto names = fs.List(kPowerSupplyClass);
  if (!names) return names.error().Context("power supplies");
  std::vector<PowerSupplyReading> out;
  for (const std::string& name : *names) {
    if (out.size() == kMaxSupplies) break;
    // A fuel gauge behind a slow bus can take a while per attribute; stop between supplies.
    if (deadline.Expired()) {
      return Error{ErrorKind::kTimeout, "power supplies: deadline passed after " +
                                            std::to_string(out.size()) + " of " +
                                            std::to_string(names->size())};
    }
    out.push_back(ReadPowerSupply(fs, name));
  }
  return out;
}

}  // namespace posdiag::drivers::power
