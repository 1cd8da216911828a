#include "drivers/power/power_supply.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/sim/fixture_tree.h"

namespace posdiag::drivers::power {
namespace {

using posdiag::testing::FixtureTree;

io::Deadline Later() { return io::Deadline::In(std::chrono::seconds(10)); }

void PutBattery(const FixtureTree& t, const std::string& name) {
  const std::string d = "/sys/class/power_supply/" + name + "/";
  t.Put(d + "type", "Battery\n");
  t.Put(d + "present", "1\n");
  t.Put(d + "status", "Discharging\n");
  t.Put(d + "capacity", "57\n");
  t.Put(d + "capacity_level", "Normal\n");
  t.Put(d + "health", "Good\n");
  t.Put(d + "voltage_now", "3912000\n");
  t.Put(d + "current_now", "-450000\n");
  t.Put(d + "temp", "312\n");
  t.Put(d + "technology", "Li-ion\n");
}

TEST(ReadPowerSupply, ConvertsEveryAttributeToSiUnits) {
  FixtureTree t;
  PutBattery(t, "BAT0");
  io::RootFs fs(t.root());
  const PowerSupplyReading r = ReadPowerSupply(fs, "BAT0");
  EXPECT_EQ(r.name, "BAT0");
  EXPECT_EQ(*r.type, "Battery");
  EXPECT_TRUE(*r.present);
  EXPECT_EQ(*r.status, "Discharging");
  EXPECT_EQ(*r.capacity_pct, 57);
  EXPECT_EQ(*r.capacity_level, "Normal");
  EXPECT_EQ(*r.health, "Good");
  EXPECT_DOUBLE_EQ(*r.voltage_v, 3.912);
  EXPECT_DOUBLE_EQ(*r.current_a, -0.45);
  EXPECT_DOUBLE_EQ(*r.temp_c, 31.2);
  EXPECT_EQ(*r.technology, "Li-ion");
  // A battery has no online attribute: absent, not an I/O failure.
  ASSERT_FALSE(r.online.ok());
  EXPECT_EQ(r.online.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(r.online.error().detail, "BAT0/online: not provided by the driver");
}

TEST(ReadPowerSupply, OnlineTwoIsOnline) {
  FixtureTree t;
  t.Put("/sys/class/power_supply/usb/type", "USB\n");
  t.Put("/sys/class/power_supply/usb/online", "2\n");
  t.Put("/sys/class/power_supply/ac/type", "Mains\n");
  t.Put("/sys/class/power_supply/ac/online", "0\n");
  io::RootFs fs(t.root());
  EXPECT_TRUE(*ReadPowerSupply(fs, "usb").online);
  EXPECT_FALSE(*ReadPowerSupply(fs, "ac").online);
}

TEST(ReadPowerSupply, GarbageInOneFieldLeavesTheOthers) {
  FixtureTree t;
  PutBattery(t, "BAT0");
  const std::string d = "/sys/class/power_supply/BAT0/";
  t.Put(d + "capacity", "150\n");
  t.Put(d + "temp", "hot\n");
  t.Put(d + "health", std::string("Go\0od", 5));
  t.Put(d + "present", "yes\n");
  t.Remove(d + "voltage_now");
  t.MakeDir(d + "voltage_now");  // a directory cannot be read: an I/O error, not "absent"
  t.Put(d + "current_now", "99999999999999999999999\n");
  io::RootFs fs(t.root());
  const PowerSupplyReading r = ReadPowerSupply(fs, "BAT0");
  ASSERT_FALSE(r.capacity_pct.ok());
  EXPECT_EQ(r.capacity_pct.error().kind, ErrorKind::kParse);
  EXPECT_EQ(r.capacity_pct.error().detail, "BAT0/capacity: capacity 150 outside 0..100");
  ASSERT_FALSE(r.temp_c.ok());
  EXPECT_EQ(r.temp_c.error().detail, "BAT0/temp: integer: not an integer: \"hot\"");
  ASSERT_FALSE(r.health.ok());
  EXPECT_NE(r.health.error().detail.find("non-printable"), std::string::npos);
  ASSERT_FALSE(r.present.ok());
  EXPECT_EQ(r.present.error().kind, ErrorKind::kParse);
  ASSERT_FALSE(r.voltage_v.ok());
  EXPECT_NE(r.voltage_v.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(r.voltage_v.error().detail.find("BAT0/voltage_now: "), std::string::npos);
  ASSERT_FALSE(r.current_a.ok());
  EXPECT_NE(r.current_a.error().detail.find("out of range"), std::string::npos);
  // The rest still read.
  EXPECT_EQ(*r.status, "Discharging");
  EXPECT_EQ(*r.type, "Battery");
  EXPECT_EQ(*r.technology, "Li-ion");
}

TEST(ReadPowerSupply, EmptyAttributeIsAParseError) {
  FixtureTree t;
  t.Put("/sys/class/power_supply/BAT0/status", "\n");
  io::RootFs fs(t.root());
  const PowerSupplyReading r = ReadPowerSupply(fs, "BAT0");
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error().kind, ErrorKind::kParse);
}

TEST(ReadPowerSupplies, ReadsEverySupplySorted) {
  FixtureTree t;
  PutBattery(t, "BAT1");
  PutBattery(t, "BAT0");
  t.Put("/sys/class/power_supply/AC/type", "Mains\n");
  t.Put("/sys/class/power_supply/AC/online", "1\n");
  io::RootFs fs(t.root());
  auto all = ReadPowerSupplies(fs, Later());
  ASSERT_TRUE(all.ok()) << all.error().detail;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "AC");
  EXPECT_EQ((*all)[1].name, "BAT0");
  EXPECT_EQ((*all)[2].name, "BAT1");
}

TEST(ReadPowerSupplies, AbsentClassIsNotFound) {
  FixtureTree t;
  io::RootFs fs(t.root());
  auto all = ReadPowerSupplies(fs, Later());
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().kind, ErrorKind::kNotFound);
}

TEST(ReadPowerSupplies, EmptyClassIsNoSupplies) {
  FixtureTree t;
  t.MakeDir("/sys/class/power_supply");
  io::RootFs fs(t.root());
  auto all = ReadPowerSupplies(fs, Later());
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST(ReadPowerSupplies, StopsAtTheDeadline) {
  FixtureTree t;
  PutBattery(t, "BAT0");
  io::RootFs fs(t.root());
  auto all = ReadPowerSupplies(fs, io::Deadline(std::chrono::steady_clock::now()));
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().kind, ErrorKind::kTimeout);
}

TEST(ReadPowerSupplies, ReadsAtMostTheBound) {
  FixtureTree t;
  for (std::size_t i = 0; i < kMaxSupplies + 5; ++i) {
    t.Put("/sys/class/power_supply/s" + std::to_string(100 + i) + "/type", "USB\n");
  }
  io::RootFs fs(t.root());
  auto all = ReadPowerSupplies(fs, Later());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), kMaxSupplies);
}

TEST(IsExternalSupplyType, CoversAdapterTypes) {
  EXPECT_TRUE(IsExternalSupplyType("Mains"));
  EXPECT_TRUE(IsExternalSupplyType("USB"));
  EXPECT_TRUE(IsExternalSupplyType("USB_PD"));
  EXPECT_TRUE(IsExternalSupplyType("Wireless"));
  EXPECT_FALSE(IsExternalSupplyType("Battery"));
  EXPECT_FALSE(IsExternalSupplyType("UPS"));
}

}  // namespace
}  // namespace posdiag::drivers::power
