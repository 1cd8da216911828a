#include "agent/probes/power/power_probe.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "agent/fact_util.h"
#include "drivers/power/power_supply.h"
#include "drivers/power/thermal_zone.h"

namespace posdiag::agent::probes {
namespace {

namespace pw = drivers::power;

// A summary that may be unknown: a value, or the reason it could not be decided.
struct Summary {
  std::optional<bool> value;
  std::string why;
};

void WriteSummary(FactWriter& out, std::string name, const Summary& s) {
  if (s.value) {
    out.Set(std::move(name), *s.value);
  } else {
    out.Missing(std::move(name), s.why);
  }
}

// Per-supply facts. An attribute the driver does not provide is left out (an AC adapter has no
// capacity); one that exists but could not be read or decoded is missing with its reason.
void WriteSupply(const pw::PowerSupplyReading& s, const std::string& segment, FactWriter& out) {
  const std::string p = "power.supply." + segment + ".";
  auto emit = [&](const auto& reading, const char* key, const char* unit) {
    if (!reading.ok() && reading.error().kind == ErrorKind::kNotFound) return;
    SetOrMissing(out, p + key, reading, unit);
  };
  emit(s.type, "type", "");
  emit(s.online, "online", "");
  emit(s.present, "present", "");
  emit(s.status, "status", "");
  emit(s.capacity_pct, "capacity_pct", "%");
  emit(s.capacity_level, "capacity_level", "");
  emit(s.health, "health", "");
  emit(s.voltage_v, "voltage_v", "V");
  emit(s.current_a, "current_a", "A");
  emit(s.temp_c, "temp_c", "degC");
  emit(s.technology, "technology", "");
}

// A battery driver without a `present` attribute has a battery that cannot be removed.
std::optional<bool> BatteryPresent(const pw::PowerSupplyReading& s) {
  if (s.present.ok()) return *s.present;
  if (s.present.error().kind == ErrorKind::kNotFound) return true;
  return std::nullopt;
}

void WriteSupplySummaries(const std::vector<pw::PowerSupplyReading>& supplies, FactWriter& out) {
  std::vector<const pw::PowerSupplyReading*> adapters;
  std::vector<const pw::PowerSupplyReading*> batteries;
  std::string unknown_type;  // why some supply's kind is unknown, if one is
  for (const auto& s : supplies) {
    if (!s.type.ok()) {
      unknown_type = s.type.error().detail;
    } else if (pw::IsExternalSupplyType(*s.type)) {
      adapters.push_back(&s);
    } else if (*s.type == "Battery") {
      batteries.push_back(&s);
    }
  }

  Summary adapter_present;
  if (!adapters.empty()) {
    adapter_present.value = true;
  } else if (!unknown_type.empty()) {
    adapter_present.why = unknown_type;
  } else {
    adapter_present.value = false;
  }
  WriteSummary(out, "power.adapter.present", adapter_present);

  Summary adapter_online;
  std::string online_unknown = unknown_type;
  for (const auto* a : adapters) {
    if (a->online.ok()) {
      if (*a->online) adapter_online.value = true;
    } else {
      online_unknown = a->online.error().detail;
    }
  }
  if (!adapter_online.value) {
    if (!online_unknown.empty()) {
      adapter_online.why = online_unknown;
    } else if (adapters.empty()) {
      adapter_online.why = "no external supply (Mains, USB, Wireless) is listed";
    } else {
      adapter_online.value = false;
    }
  }
  WriteSummary(out, "power.adapter.online", adapter_online);

  std::int64_t count = 0;
  std::string presence_unknown = unknown_type;
  const pw::PowerSupplyReading* primary = nullptr;
  for (const auto* b : batteries) {
    const auto present = BatteryPresent(*b);
    if (!present) {
      presence_unknown = b->present.error().detail;
    } else if (*present) {
      ++count;
      if (primary == nullptr) primary = b;
    }
  }
  Summary battery_present;
  if (count > 0) {
    battery_present.value = true;
  } else if (!presence_unknown.empty()) {
    battery_present.why = presence_unknown;
  } else {
    battery_present.value = false;
  }
  WriteSummary(out, "power.battery.present", battery_present);
  if (presence_unknown.empty()) {
    out.Set("power.battery.count", count);
  } else {
    out.Missing("power.battery.count", presence_unknown);
  }

  if (primary == nullptr) {
    const std::string why = battery_present.value ? "" : battery_present.why;
    const std::string reason = why.empty() ? "no battery present" : why;
    for (const char* key :
         {"status", "capacity_pct", "capacity_level", "health", "voltage_v", "temp_c"}) {
      out.Missing(std::string("power.battery.") + key, reason);
    }
    return;
  }
  SetOrMissing(out, "power.battery.status", primary->status);
  SetOrMissing(out, "power.battery.capacity_pct", primary->capacity_pct, "%");
  SetOrMissing(out, "power.battery.capacity_level", primary->capacity_level);
  SetOrMissing(out, "power.battery.health", primary->health);
  SetOrMissing(out, "power.battery.voltage_v", primary->voltage_v, "V");
  SetOrMissing(out, "power.battery.temp_c", primary->temp_c, "degC");
}

void WriteSupplies(const std::vector<pw::PowerSupplyReading>& supplies, FactWriter& out) {
  std::vector<std::string> used;
  for (const auto& s : supplies) {
    std::string segment = FactSegment(s.name);
    // "a-b" and "a_b" would share a segment; the later one gets a suffix.
    for (int n = 2; std::find(used.begin(), used.end(), segment) != used.end(); ++n) {
      segment = FactSegment(s.name) + "_" + std::to_string(n);
    }
    used.push_back(segment);
    WriteSupply(s, segment, out);
  }
  WriteSupplySummaries(supplies, out);
}

// The smallest distance from a zone's temperature to one of its trip points. Without such a trip
// point it is missing with that reason (rules fall back to an absolute limit); with one whose
// temperature could not be read it is missing too, since a partial minimum could hide the zone
// that is over its trip point.
struct Margin {
  explicit Margin(std::string_view kinds) : trip_kinds(kinds) {}
  std::string_view trip_kinds;  // for the reason: "passive, hot or critical"
  bool any_trip = false;
  std::optional<double> value;
  std::string why;
  void Add(const Result<double>& zone, const Result<double>& trip) {
    if (!trip.ok() && trip.error().kind == ErrorKind::kUnsupported) return;  // unused trip
    any_trip = true;
    if (!zone.ok() || !trip.ok()) {
      why = !zone.ok() ? zone.error().detail : trip.error().detail;
      return;
    }
    const double m = *trip - *zone;
    value = value ? std::min(*value, m) : m;
  }
  void Write(FactWriter& out, std::string name) const {
    if (!any_trip) {
      out.Missing(std::move(name), "no zone has a " + std::string(trip_kinds) + " trip point");
    } else if (value && why.empty()) {
      out.Set(std::move(name), *value, "degC");
    } else {
      out.Missing(std::move(name), why);
    }
  }
};

void WriteZones(const std::vector<pw::ThermalZoneReading>& zones, FactWriter& out) {
  std::optional<double> max_temp;
  Margin margin("passive, hot or critical");
  Margin critical("critical");
  std::vector<std::string> used;
  for (const auto& z : zones) {
    std::string segment = FactSegment(z.name);
    for (int n = 2; std::find(used.begin(), used.end(), segment) != used.end(); ++n) {
      segment = FactSegment(z.name) + "_" + std::to_string(n);
    }
    used.push_back(segment);
    const std::string p = "power.thermal." + segment + ".";
    SetOrMissing(out, p + "type", z.type);
    SetOrMissing(out, p + "temp_c", z.temp_c, "degC");
    if (z.temp_c.ok()) max_temp = max_temp ? std::max(*max_temp, *z.temp_c) : *z.temp_c;
    for (const auto& t : z.trips) {
      const std::string tp = p + "trip" + std::to_string(t.index) + ".";
      SetOrMissing(out, tp + "type", t.type);
      SetOrMissing(out, tp + "temp_c", t.temp_c, "degC");
      if (!t.type.ok()) continue;
      // Active trips switch on fans; passive, hot and critical ones mean the board is too hot.
      if (*t.type == "passive" || *t.type == "hot" || *t.type == "critical") {
        margin.Add(z.temp_c, t.temp_c);
      }
      if (*t.type == "critical") critical.Add(z.temp_c, t.temp_c);
    }
  }
  if (max_temp) {
    out.Set("power.thermal.max_temp_c", *max_temp, "degC");
  } else {
    out.Missing("power.thermal.max_temp_c",
                zones.empty() ? "no thermal zone is listed" : "no zone temperature could be read");
  }
  margin.Write(out, "power.thermal.margin_c");
  critical.Write(out, "power.thermal.critical_margin_c");
}

}  // namespace

std::vector<rules::FactSpec> PowerProbe::Facts() const {
  using rules::FactType;
  return rules::MakeFacts({
      // Every supply in /sys/class/power_supply, by its name as a fact segment ("bat0"); an
      // attribute the driver does not provide is left out.
      {"power.supply.*.type", FactType::kText, "", "Battery, UPS, Mains, USB or Wireless"},
      {"power.supply.*.online", FactType::kBool, "", "an external supply is feeding the terminal"},
      {"power.supply.*.present", FactType::kBool, "", "the battery is fitted"},
      {"power.supply.*.status", FactType::kText, "", "Charging, Discharging, Not charging, Full"},
      {"power.supply.*.capacity_pct", FactType::kInt, "%", "charge"},
      {"power.supply.*.capacity_level", FactType::kText, "", "Critical, Low, Normal, High, Full"},
      {"power.supply.*.health", FactType::kText, "", "Good, Dead, Overheat, ..."},
      {"power.supply.*.voltage_v", FactType::kReal, "V", "voltage_now"},
      {"power.supply.*.current_a", FactType::kReal, "A", "current_now"},
      {"power.supply.*.temp_c", FactType::kReal, "degC", "the supply's temperature"},
      {"power.supply.*.technology", FactType::kText, "", "Li-ion, Li-poly, ..."},
      {"power.adapter.present", FactType::kBool, "", "a Mains, USB or Wireless supply is listed"},
      {"power.adapter.online", FactType::kBool, "", "one of them is online"},
      {"power.battery.expected", FactType::kBool, "", "[power] expect_battery"},
      {"power.battery.present", FactType::kBool, "", "a battery is fitted"},
      {"power.battery.count", FactType::kInt, "", "batteries fitted"},
      // The primary battery: the first one fitted, by name.
      {"power.battery.status", FactType::kText, "", "primary battery: its status"},
      {"power.battery.capacity_pct", FactType::kInt, "%", "primary battery: its charge"},
      {"power.battery.capacity_level", FactType::kText, "",
       "primary battery: its charge level, for drivers without a percentage"},
      {"power.battery.health", FactType::kText, "", "primary battery: its health"},
      {"power.battery.voltage_v", FactType::kReal, "V", "primary battery: its voltage"},
      {"power.battery.temp_c", FactType::kReal, "degC", "primary battery: its temperature"},
      // Every thermal_zone<N> in /sys/class/thermal, and its trip points as trip<N>.
      {"power.thermal.*.type", FactType::kText, "", "the zone's sensor: cpu-thermal, acpitz, ..."},
      {"power.thermal.*.temp_c", FactType::kReal, "degC", "the zone's temperature"},
      {"power.thermal.*.*.type", FactType::kText, "", "trip point: passive, hot, critical, active"},
      {"power.thermal.*.*.temp_c", FactType::kReal, "degC", "trip point: its temperature"},
      {"power.thermal.max_temp_c", FactType::kReal, "degC", "the hottest zone"},
      {"power.thermal.margin_c", FactType::kReal, "degC",
       "smallest trip − zone temperature over passive, hot and critical trip points"},
      {"power.thermal.critical_margin_c", FactType::kReal, "degC",
       "smallest trip − zone temperature over critical trip points"},
  });
}

Support PowerProbe::CheckSupport(const ProbeContext& ctx) {
  if (!ctx.fs.Exists(pw::kPowerSupplyClass) && !ctx.fs.Exists(pw::kThermalClass)) {
    return Support::Unsupported(
        "the kernel lists no power supplies or thermal zones (no /sys/class/power_supply or "
        "/sys/class/thermal)");
  }
  // Both classes present but empty (a virtual machine, a board without drivers): nothing here can
  // be measured, unless the model expects a battery, whose absence is then the finding.
  auto listed = [&](std::string_view dir, std::string_view prefix) {
    auto names = ctx.fs.List(dir);
    if (!names) return false;
    return std::any_of(names->begin(), names->end(),
                       [&](const std::string& n) { return n.starts_with(prefix); });
  };
  if (!ctx.section.GetBool("expect_battery") && !listed(pw::kPowerSupplyClass, "") &&
      !listed(pw::kThermalClass, "thermal_zone")) {
    return Support::Unsupported("the kernel lists no power supply and no thermal zone");
  }
  return Support::Yes();
}

Result<void> PowerProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  out.Set("power.battery.expected", ctx.section.GetBool("expect_battery"));
  std::optional<Error> failure;

  auto supplies = pw::ReadPowerSupplies(ctx.fs, ctx.deadline);
  if (supplies) {
    WriteSupplies(*supplies, out);
  } else if (supplies.error().kind == ErrorKind::kNotFound) {
    WriteSupplies({}, out);  // the kernel knows no supply: no adapter and no battery
  } else {
    failure = supplies.error();
    for (const char* name :
         {"power.adapter.present", "power.adapter.online", "power.battery.present",
          "power.battery.count", "power.battery.status", "power.battery.capacity_pct",
          "power.battery.capacity_level", "power.battery.health", "power.battery.voltage_v",
          "power.battery.temp_c"}) {
      out.Missing(name, supplies.error().detail);
    }
  }
  if (ctx.deadline.Expired() || ctx.stop.stop_requested()) {
    return failure ? *failure : Error{ErrorKind::kTimeout, "deadline passed before thermal zones"};
  }

  auto zones = pw::ReadThermalZones(ctx.fs, ctx.deadline);
  if (zones) {
    WriteZones(*zones, out);
  } else if (zones.error().kind == ErrorKind::kNotFound) {
    WriteZones({}, out);
  } else {
    if (!failure) failure = zones.error();
    out.Missing("power.thermal.max_temp_c", zones.error().detail);
  }
  if (failure) return *failure;
  return Ok();
}

}  // namespace posdiag::agent::probes
