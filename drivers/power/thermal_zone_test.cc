#include "drivers/power/thermal_zone.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/sim/fixture_tree.h"

namespace posdiag::drivers::power {
namespace {

using posdiag::testing::FixtureTree;

io::Deadline Later() { return io::Deadline::In(std::chrono::seconds(10)); }

void PutZone(const FixtureTree& t, int n, const std::string& type, const std::string& milli_c) {
  const std::string d = "/sys/class/thermal/thermal_zone" + std::to_string(n) + "/";
  t.Put(d + "type", type + "\n");
  t.Put(d + "temp", milli_c + "\n");
}

void PutTrip(const FixtureTree& t, int zone, int n, const std::string& type,
             const std::string& milli_c) {
  const std::string d =
      "/sys/class/thermal/thermal_zone" + std::to_string(zone) + "/trip_point_" + std::to_string(n);
  t.Put(d + "_type", type + "\n");
  t.Put(d + "_temp", milli_c + "\n");
}

TEST(ReadThermalZone, ReadsTemperatureAndTripPoints) {
  FixtureTree t;
  PutZone(t, 0, "cpu-thermal", "48250");
  PutTrip(t, 0, 0, "passive", "85000");
  PutTrip(t, 0, 1, "critical", "105000");
  PutTrip(t, 0, 10, "hot", "95000");
  t.Put("/sys/class/thermal/thermal_zone0/trip_point_1_hyst", "2000\n");
  io::RootFs fs(t.root());
  const ThermalZoneReading z = ReadThermalZone(fs, "thermal_zone0");
  EXPECT_EQ(z.name, "thermal_zone0");
  EXPECT_EQ(*z.type, "cpu-thermal");
  EXPECT_DOUBLE_EQ(*z.temp_c, 48.25);
  ASSERT_EQ(z.trips.size(), 3u);
  EXPECT_EQ(z.trips[0].index, 0);
  EXPECT_EQ(*z.trips[0].type, "passive");
  EXPECT_DOUBLE_EQ(*z.trips[0].temp_c, 85.0);
  EXPECT_EQ(z.trips[1].index, 1);
  EXPECT_EQ(*z.trips[1].type, "critical");
  EXPECT_EQ(z.trips[2].index, 10);  // numeric order, not "1" < "10" < "2"
  EXPECT_DOUBLE_EQ(*z.trips[2].temp_c, 95.0);
}

TEST(ReadThermalZone, NegativeTemperaturesAreReal) {
  FixtureTree t;
  PutZone(t, 0, "battery", "-12500");
  io::RootFs fs(t.root());
  EXPECT_DOUBLE_EQ(*ReadThermalZone(fs, "thermal_zone0").temp_c, -12.5);
}

TEST(ReadThermalZone, UnusedTripPointIsUnsupported) {
  FixtureTree t;
  PutZone(t, 0, "soc", "40000");
  PutTrip(t, 0, 0, "passive", "-274000");
  io::RootFs fs(t.root());
  const ThermalZoneReading z = ReadThermalZone(fs, "thermal_zone0");
  ASSERT_EQ(z.trips.size(), 1u);
  ASSERT_FALSE(z.trips[0].temp_c.ok());
  EXPECT_EQ(z.trips[0].temp_c.error().kind, ErrorKind::kUnsupported);
}

TEST(ReadThermalZone, GarbageIsPerField) {
  FixtureTree t;
  PutZone(t, 0, "soc", "warm");
  PutTrip(t, 0, 0, "passive", "85000");
  t.Put("/sys/class/thermal/thermal_zone0/trip_point_1_temp", "90000\n");  // no _type file
  t.Put("/sys/class/thermal/thermal_zone0/trip_point_2_type", "\x01\x02\n");
  io::RootFs fs(t.root());
  const ThermalZoneReading z = ReadThermalZone(fs, "thermal_zone0");
  ASSERT_FALSE(z.temp_c.ok());
  EXPECT_EQ(z.temp_c.error().kind, ErrorKind::kParse);
  EXPECT_NE(z.temp_c.error().detail.find("thermal_zone0/temp"), std::string::npos);
  EXPECT_EQ(*z.type, "soc");
  ASSERT_EQ(z.trips.size(), 3u);
  EXPECT_DOUBLE_EQ(*z.trips[0].temp_c, 85.0);
  EXPECT_EQ(z.trips[1].type.error().kind, ErrorKind::kNotFound);
  EXPECT_DOUBLE_EQ(*z.trips[1].temp_c, 90.0);
  EXPECT_EQ(z.trips[2].type.error().kind, ErrorKind::kParse);
  EXPECT_EQ(z.trips[2].temp_c.error().kind, ErrorKind::kNotFound);
}

TEST(ReadThermalZone, TripPointsAreBounded) {
  FixtureTree t;
  PutZone(t, 0, "soc", "40000");
  for (int i = 0; i < static_cast<int>(kMaxTripsPerZone) + 10; ++i) {
    PutTrip(t, 0, i, "active", "50000");
  }
  io::RootFs fs(t.root());
  EXPECT_EQ(ReadThermalZone(fs, "thermal_zone0").trips.size(), kMaxTripsPerZone);
}

TEST(ReadThermalZones, SkipsCoolingDevicesAndSortsNumerically) {
  FixtureTree t;
  PutZone(t, 10, "ten", "10000");
  PutZone(t, 2, "two", "20000");
  t.Put("/sys/class/thermal/cooling_device0/type", "fan\n");
  t.Put("/sys/class/thermal/thermal_zoneX/type", "not a zone\n");
  io::RootFs fs(t.root());
  auto zones = ReadThermalZones(fs, Later());
  ASSERT_TRUE(zones.ok());
  ASSERT_EQ(zones->size(), 2u);
  EXPECT_EQ((*zones)[0].name, "thermal_zone2");
  EXPECT_EQ((*zones)[1].name, "thermal_zone10");
}

TEST(ReadThermalZones, AbsentClassIsNotFoundAndDeadlineStops) {
  FixtureTree t;
  io::RootFs fs(t.root());
  auto none = ReadThermalZones(fs, Later());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ErrorKind::kNotFound);

  PutZone(t, 0, "soc", "40000");
  auto late = ReadThermalZones(fs, io::Deadline(std::chrono::steady_clock::now()));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().kind, ErrorKind::kTimeout);
}

}  // namespace
}  // namespace posdiag::drivers::power
