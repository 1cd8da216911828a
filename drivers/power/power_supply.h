// Power supplies as the kernel describes them in /sys/class/power_supply/<name>: one reading per
// supply, in SI units. Each attribute is read on its own, so an attribute that is absent, cannot
// be read or holds garbage is an Error in that field while the others still read.
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

inline constexpr std::string_view kPowerSupplyClass = "/sys/class/power_supply";
// More supplies than this is not a terminal; the rest are not read so a run stays bounded.
inline constexpr std::size_t kMaxSupplies = 32;

struct PowerSupplyReading {
  std::string name;  // the directory name: "BAT0", "AC", "axp20x-usb"

  // Each field holds its value, or an Error: kNotFound when the driver does not provide the
  // attribute, kParse for garbage, kIo or kPermission when reading failed.
  Result<std::string> type = NotRead();  // Battery, UPS, Mains, USB, Wireless
  Result<bool> online = NotRead();       // 1 or 2 (programmable) read as online
  Result<bool> present = NotRead();
  Result<std::string> status = NotRead();          // Charging, Discharging, Not charging, Full
  Result<std::int64_t> capacity_pct = NotRead();   // 0..100
  Result<std::string> capacity_level = NotRead();  // Critical, Low, Normal, High, Full
  Result<std::string> health = NotRead();          // Good, Dead, Overheat, ...
  Result<double> voltage_v = NotRead();            // from voltage_now in µV
  Result<double> current_a = NotRead();            // from current_now in µA
  Result<double> temp_c = NotRead();               // from temp in 0.1 °C
  Result<std::string> technology = NotRead();      // Li-ion, Li-poly, ...

  static Error NotRead() { return Error{ErrorKind::kNotFound, "not read"}; }
};

// True for the supply types that feed the terminal from outside (mains adapter, USB, wireless
// pad); USB subtypes of older kernels ("USB_DCP", "USB_PD") count as USB.
bool IsExternalSupplyType(std::string_view type);

// Reads one supply directory, /sys/class/power_supply/<name>.
PowerSupplyReading ReadPowerSupply(const io::RootFs& fs, std::string_view name);

// Reads every supply, sorted by name. kNotFound when the class directory is absent; kTimeout
// when the deadline passes before the last supply is read.
Result<std::vector<PowerSupplyReading>> ReadPowerSupplies(const io::RootFs& fs,
                                                          const io::Deadline& deadline);

}  // namespace posdiag::drivers::power
