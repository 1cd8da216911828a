#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/probes/power/power_device.h"
#include "agent/probes/testing/probe_harness.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using V = rules::FactValue;

constexpr char kExpectBattery[] = "[power]\nexpect_battery = true\n";

class PowerProbeTest : public ::testing::Test {
 protected:
  void Supply(const std::string& name, const std::string& attr, const std::string& value) {
    tree_.Put("/sys/class/power_supply/" + name + "/" + attr, value + "\n");
  }
  void Adapter(const std::string& name, const std::string& type, const std::string& online) {
    Supply(name, "type", type);
    Supply(name, "online", online);
  }
  void Battery(const std::string& name) {
    Supply(name, "type", "Battery");
    Supply(name, "present", "1");
    Supply(name, "status", "Full");
    Supply(name, "capacity", "100");
    Supply(name, "capacity_level", "Full");
    Supply(name, "health", "Good");
    Supply(name, "voltage_now", "4180000");
    Supply(name, "current_now", "0");
    Supply(name, "temp", "295");
    Supply(name, "technology", "Li-ion");
  }
  void Zone(int n, const std::string& type, const std::string& milli_c) {
    const std::string d = "/sys/class/thermal/thermal_zone" + std::to_string(n) + "/";
    tree_.Put(d + "type", type + "\n");
    tree_.Put(d + "temp", milli_c + "\n");
  }
  void Trip(int zone, int n, const std::string& type, const std::string& milli_c) {
    const std::string d = "/sys/class/thermal/thermal_zone" + std::to_string(zone) +
                          "/trip_point_" + std::to_string(n);
    tree_.Put(d + "_type", type + "\n");
    tree_.Put(d + "_temp", milli_c + "\n");
  }
  void HealthyTerminal() {
    Adapter("AC", "Mains", "1");
    Battery("BAT0");
    Zone(0, "cpu-thermal", "48000");
    Trip(0, 0, "passive", "85000");
    Trip(0, 1, "hot", "95000");
    Trip(0, 2, "critical", "105000");
    Trip(0, 3, "active", "60000");
  }
  ProbeRun Run(std::string_view config = kExpectBattery) {
    return RunProbe(device_, tree_, config, clock_);
  }

  FixtureTree tree_;
  PowerDevice device_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
};

TEST_F(PowerProbeTest, DeclaresItsSectionAndLevels) {
  const auto sections = device_.ConfigSections();
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].name, "power");
  ASSERT_EQ(sections[0].keys.size(), 1u);
  EXPECT_EQ(sections[0].keys[0].name, "expect_battery");
  const auto probe = device_.MakeProbe();
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(probe->Name(), "power");
  EXPECT_EQ(probe->Levels(), kAllLevels);
  EXPECT_TRUE(probe->NeedsConfigSection());
  EXPECT_TRUE(device_.Routines().empty());
}

// The defaults docs/configuration.md gives for [power].
TEST_F(PowerProbeTest, DefaultsAreTheDocumentedOnes) {
  auto config = testing::DeviceConfig(device_, "[power]\n");
  ASSERT_TRUE(config.ok()) << config.error().detail;
  EXPECT_EQ(CheckSpecs(config->specs()), std::vector<std::string>{});
  const ConfigSection& power = config->Section("power");
  EXPECT_FALSE(power.GetBool("expect_battery"));
  EXPECT_TRUE(power.GetBool("enabled"));
  EXPECT_EQ(power.GetInt("timeout_ms"), 2000);
}

// Wrong values never reach the probe: the schema refuses them, with where and why.
TEST_F(PowerProbeTest, WrongValuesAreConfigErrors) {
  for (const char* text : {"[power]\nexpect_battery = \"yes\"\n", "[power]\nexpect_batery = true\n",
                           "[power]\ntimeout_ms = 700000\n"}) {
    auto config = testing::DeviceConfig(device_, text);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.error().detail.find("test.toml:"), std::string::npos) << config.error().detail;
    EXPECT_NE(config.error().detail.find("[power] "), std::string::npos) << config.error().detail;
  }
}

// Every power.* fact the catalogue's conditions name is one the probe declares.
TEST_F(PowerProbeTest, DeclaresEveryFactTheCatalogueUses) {
  const auto catalog =
      rules::LoadRuleFile(std::string(POSDIAG_SOURCE_DIR) + "/rules/catalog/power.toml");
  ASSERT_TRUE(catalog.ok());
  const rules::FactSchema declared(device_.MakeProbe()->Facts());
  std::size_t checked = 0;
  for (const auto& rule : catalog.rules) {
    for (const std::string& fact : rules::ExprFacts(*rule.expr)) {
      if (!fact.starts_with("power.")) continue;
      EXPECT_NE(declared.Find(fact), nullptr) << rule.id << ": " << fact;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

TEST_F(PowerProbeTest, HealthyTerminalFacts) {
  HealthyTerminal();
  const ProbeRun r = Run();
  ASSERT_TRUE(r.measured);
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;

  EXPECT_EQ(r.Value("power.supply.ac.type"), V(std::string("Mains")));
  EXPECT_EQ(r.Value("power.supply.ac.online"), V(true));
  EXPECT_FALSE(r.Has("power.supply.ac.capacity_pct"));  // not provided: left out, not missing
  EXPECT_EQ(r.Why("power.supply.ac.capacity_pct"), "<not missing>");
  EXPECT_EQ(r.Value("power.supply.bat0.capacity_pct"), V(std::int64_t{100}));
  EXPECT_EQ(r.Unit("power.supply.bat0.capacity_pct"), "%");
  EXPECT_EQ(r.Value("power.supply.bat0.voltage_v"), V(4.18));
  EXPECT_EQ(r.Unit("power.supply.bat0.voltage_v"), "V");
  EXPECT_EQ(r.Value("power.supply.bat0.current_a"), V(0.0));
  EXPECT_EQ(r.Unit("power.supply.bat0.current_a"), "A");
  EXPECT_EQ(r.Value("power.supply.bat0.temp_c"), V(29.5));
  EXPECT_EQ(r.Unit("power.supply.bat0.temp_c"), "degC");
  EXPECT_EQ(r.Value("power.supply.bat0.technology"), V(std::string("Li-ion")));
  EXPECT_EQ(r.Value("power.supply.bat0.present"), V(true));

  EXPECT_EQ(r.Value("power.adapter.present"), V(true));
  EXPECT_EQ(r.Value("power.adapter.online"), V(true));
  EXPECT_EQ(r.Value("power.battery.present"), V(true));
  EXPECT_EQ(r.Value("power.battery.count"), V(std::int64_t{1}));
  EXPECT_EQ(r.Value("power.battery.expected"), V(true));
  EXPECT_EQ(r.Value("power.battery.status"), V(std::string("Full")));
  EXPECT_EQ(r.Value("power.battery.capacity_pct"), V(std::int64_t{100}));
  EXPECT_EQ(r.Value("power.battery.capacity_level"), V(std::string("Full")));
  EXPECT_EQ(r.Value("power.battery.health"), V(std::string("Good")));
  EXPECT_EQ(r.Value("power.battery.voltage_v"), V(4.18));
  EXPECT_EQ(r.Value("power.battery.temp_c"), V(29.5));

  EXPECT_EQ(r.Value("power.thermal.thermal_zone0.type"), V(std::string("cpu-thermal")));
  EXPECT_EQ(r.Value("power.thermal.thermal_zone0.temp_c"), V(48.0));
  EXPECT_EQ(r.Value("power.thermal.thermal_zone0.trip0.type"), V(std::string("passive")));
  EXPECT_EQ(r.Value("power.thermal.thermal_zone0.trip2.temp_c"), V(105.0));
  EXPECT_EQ(r.Value("power.thermal.max_temp_c"), V(48.0));
  // The active trip at 60 °C drives a fan and does not count.
  EXPECT_EQ(r.Value("power.thermal.margin_c"), V(37.0));
  EXPECT_EQ(r.Value("power.thermal.critical_margin_c"), V(57.0));
}

TEST_F(PowerProbeTest, OnBatteryWithTheAdapterUnplugged) {
  HealthyTerminal();
  Supply("AC", "online", "0");
  Supply("BAT0", "status", "Discharging");
  Supply("BAT0", "capacity", "8");
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("power.adapter.present"), V(true));
  EXPECT_EQ(r.Value("power.adapter.online"), V(false));
  EXPECT_EQ(r.Value("power.battery.status"), V(std::string("Discharging")));
  EXPECT_EQ(r.Value("power.battery.capacity_pct"), V(std::int64_t{8}));
}

TEST_F(PowerProbeTest, AnyOnlineAdapterCounts) {
  Adapter("AC", "Mains", "0");
  Adapter("usb", "USB", "2");
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("power.adapter.online"), V(true));
}

TEST_F(PowerProbeTest, NoAdapterListedIsAbsentAndOnlineUnknown) {
  Battery("BAT0");
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("power.adapter.present"), V(false));
  EXPECT_FALSE(r.Has("power.adapter.online"));
  EXPECT_NE(r.Why("power.adapter.online").find("no external supply"), std::string::npos);
}

TEST_F(PowerProbeTest, GarbageValuesAreMissingWithTheirReason) {
  HealthyTerminal();
  Supply("BAT0", "capacity", "lots");
  Supply("BAT0", "health", std::string("Go\0od", 5));
  Supply("AC", "online", "maybe");
  tree_.Put("/sys/class/thermal/thermal_zone0/temp", "\n");
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok());
  EXPECT_FALSE(r.Has("power.supply.bat0.capacity_pct"));
  EXPECT_NE(r.Why("power.supply.bat0.capacity_pct").find("BAT0/capacity: "), std::string::npos);
  EXPECT_NE(r.Why("power.battery.capacity_pct").find("not an integer"), std::string::npos);
  EXPECT_NE(r.Why("power.battery.health").find("non-printable"), std::string::npos);
  EXPECT_NE(r.Why("power.adapter.online").find("AC/online"), std::string::npos);
  EXPECT_NE(r.Why("power.thermal.thermal_zone0.temp_c").find("empty"), std::string::npos);
  // A zone whose temperature is unknown makes the margin unknown, not large.
  EXPECT_FALSE(r.Has("power.thermal.margin_c"));
  EXPECT_NE(r.Why("power.thermal.margin_c").find("thermal_zone0/temp"), std::string::npos);
  EXPECT_NE(r.Why("power.thermal.max_temp_c"), "<not missing>");
  // The rest still read.
  EXPECT_EQ(r.Value("power.battery.status"), V(std::string("Full")));
  EXPECT_EQ(r.Value("power.adapter.present"), V(true));
  EXPECT_EQ(r.Value("power.thermal.thermal_zone0.trip0.temp_c"), V(85.0));
}

TEST_F(PowerProbeTest, UnreadableAttributeIsMissing) {
  HealthyTerminal();
  tree_.Remove("/sys/class/power_supply/BAT0/temp");
  tree_.MakeDir("/sys/class/power_supply/BAT0/temp");
  const ProbeRun r = Run();
  EXPECT_FALSE(r.Has("power.supply.bat0.temp_c"));
  EXPECT_NE(r.Why("power.supply.bat0.temp_c"), "<not missing>");
  EXPECT_NE(r.Why("power.battery.temp_c").find("BAT0/temp: "), std::string::npos);
}

TEST_F(PowerProbeTest, PrimaryBatteryAttributeNotProvidedIsMissing) {
  Adapter("AC", "Mains", "1");
  Supply("BAT0", "type", "Battery");
  Supply("BAT0", "capacity", "50");
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("power.battery.present"), V(true));  // no `present` file: fixed battery
  EXPECT_EQ(r.Value("power.battery.capacity_pct"), V(std::int64_t{50}));
  EXPECT_EQ(r.Why("power.battery.health"), "BAT0/health: not provided by the driver");
}

TEST_F(PowerProbeTest, RemovedBatteryIsNotPresent) {
  HealthyTerminal();
  Supply("BAT0", "present", "0");
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("power.battery.present"), V(false));
  EXPECT_EQ(r.Value("power.battery.count"), V(std::int64_t{0}));
  EXPECT_EQ(r.Why("power.battery.capacity_pct"), "no battery present");
  EXPECT_EQ(r.Why("power.battery.status"), "no battery present");
}

TEST_F(PowerProbeTest, PrimaryIsTheFirstPresentBatteryByName) {
  Battery("BAT1");
  Battery("BAT0");
  Supply("BAT0", "present", "0");
  Supply("BAT1", "capacity", "42");
  Battery("BAT2");
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("power.battery.count"), V(std::int64_t{2}));
  EXPECT_EQ(r.Value("power.battery.capacity_pct"), V(std::int64_t{42}));
}

TEST_F(PowerProbeTest, GarbagePresenceMakesTheCountUnknown) {
  Battery("BAT0");
  Supply("BAT0", "present", "2");
  const ProbeRun r = Run();
  EXPECT_FALSE(r.Has("power.battery.present"));
  EXPECT_FALSE(r.Has("power.battery.count"));
  EXPECT_NE(r.Why("power.battery.count").find("BAT0/present"), std::string::npos);
}

TEST_F(PowerProbeTest, ExpectBatteryDefaultsToFalse) {
  HealthyTerminal();
  EXPECT_EQ(Run("[power]\n").Value("power.battery.expected"), V(false));
}

TEST_F(PowerProbeTest, NamesAreSanitisedAndKeptApart) {
  Adapter("axp20x-usb", "USB", "1");
  Adapter("axp20x_usb", "USB", "0");
  Adapter("Wireless.Pad", "Wireless", "0");
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("power.supply.axp20x_usb.online"), V(true));
  EXPECT_EQ(r.Value("power.supply.axp20x_usb_2.online"), V(false));
  EXPECT_EQ(r.Value("power.supply.wireless_pad.type"), V(std::string("Wireless")));
}

TEST_F(PowerProbeTest, OverATripPointTheMarginIsNegative) {
  HealthyTerminal();
  Zone(0, "cpu-thermal", "97000");
  Zone(1, "pmic", "40000");
  Trip(1, 0, "critical", "90000");
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("power.thermal.max_temp_c"), V(97.0));
  EXPECT_EQ(r.Value("power.thermal.margin_c"), V(-12.0));
  EXPECT_EQ(r.Value("power.thermal.critical_margin_c"), V(8.0));
}

TEST_F(PowerProbeTest, WithoutTripPointsThereIsNoMargin) {
  Adapter("AC", "Mains", "1");
  Zone(0, "soc", "70000");
  Trip(0, 0, "active", "50000");
  Trip(0, 1, "passive", "-274000");  // unused
  const ProbeRun r = Run();
  EXPECT_EQ(r.Value("power.thermal.max_temp_c"), V(70.0));
  EXPECT_FALSE(r.Has("power.thermal.margin_c"));
  EXPECT_EQ(r.Why("power.thermal.margin_c"), "no zone has a passive, hot or critical trip point");
  EXPECT_FALSE(r.Has("power.thermal.critical_margin_c"));
  EXPECT_EQ(r.Why("power.thermal.critical_margin_c"), "no zone has a critical trip point");
  EXPECT_EQ(r.Why("power.thermal.thermal_zone0.trip1.temp_c"),
            "thermal_zone0/trip_point_1_temp: trip point not in use");
}

TEST_F(PowerProbeTest, ThermalOnlyTerminalIsSupported) {
  Zone(0, "soc", "40000");
  const ProbeRun r = Run();
  ASSERT_TRUE(r.measured);
  EXPECT_TRUE(r.result.ok());
  EXPECT_EQ(r.Value("power.adapter.present"), V(false));
  EXPECT_EQ(r.Value("power.battery.present"), V(false));
  EXPECT_EQ(r.Value("power.battery.count"), V(std::int64_t{0}));
  EXPECT_EQ(r.Value("power.thermal.max_temp_c"), V(40.0));
}

TEST_F(PowerProbeTest, SuppliesOnlyTerminalHasNoThermalFacts) {
  HealthyTerminal();
  tree_.Remove("/sys/class/thermal");
  const ProbeRun r = Run();
  ASSERT_TRUE(r.measured);
  EXPECT_EQ(r.Why("power.thermal.max_temp_c"), "no thermal zone is listed");
  EXPECT_FALSE(r.Has("power.thermal.margin_c"));
}

TEST_F(PowerProbeTest, EmptyClassesAreUnsupportedUnlessABatteryIsExpected) {
  tree_.MakeDir("/sys/class/power_supply");
  tree_.MakeDir("/sys/class/thermal/cooling_device0");
  const ProbeRun none = Run("[power]\n");
  EXPECT_FALSE(none.measured);
  EXPECT_EQ(none.support.state, Support::State::kUnsupported);
  EXPECT_EQ(none.support.reason, "the kernel lists no power supply and no thermal zone");
  // A model that should have a battery: its absence is measured, and the rules judge it.
  const ProbeRun expected = Run();
  ASSERT_TRUE(expected.measured);
  EXPECT_EQ(expected.Value("power.battery.present"), rules::FactValue(false));
}

TEST_F(PowerProbeTest, NeitherClassIsUnsupported) {
  tree_.MakeDir("/sys/class/net");
  const ProbeRun r = Run();
  EXPECT_FALSE(r.measured);
  EXPECT_EQ(r.support.state, Support::State::kUnsupported);
  EXPECT_NE(r.support.reason.find("/sys/class/power_supply"), std::string::npos);
}

}  // namespace
}  // namespace posdiag::agent::probes
