#include "agent/fleet/fleet_settings.h"

#include <gtest/gtest.h>

#include <fstream>

#include "agent/sinks/temp_dir.h"

namespace posdiag::agent::fleet {
namespace {

Result<Config> Parse(const std::string& text) {
  std::vector<SectionSpec> specs = CoreSections();
  specs.push_back(FleetSection());
  return Config::Parse(text, "posdiag.toml", MergeSpecs(std::move(specs)));
}

void Write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(FleetSettingsTest, DefaultsAndTopics) {
  auto config = Parse("[fleet]\nbroker = \"mqtts://desk.example.com\"\nterminal_id = \"T-1\"\n");
  ASSERT_TRUE(config) << config.error().detail;
  auto s = ReadFleetSettings(config->Section("fleet"), io::RootFs("/"));
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->broker.port, 8883);
  EXPECT_EQ(s->Topic("status"), "posdiag/v1/T-1/status");
  EXPECT_EQ(s->outbox_dir, "/var/lib/posdiag/outbox");
  EXPECT_EQ(s->outbox_max_bytes, 2048u * 1024);
  EXPECT_EQ(s->remote_commands, kRemoteCommands);
  EXPECT_EQ(s->terminal_id_source, "config");
}

TEST(FleetSettingsTest, WrongValuesAreConfigErrors) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"[fleet]\n", "broker"},
      {"[fleet]\nbroker = \"mqtt://10.1.2.3:1883\"\n", "only on loopback"},
      {"[fleet]\nbroker = \"https://x\"\n", "mqtts://"},
      {"[fleet]\nbroker = \"mqtts://x\"\nterminal_id = \"a/b\"\n", "topic level"},
      {"[fleet]\nbroker = \"mqtts://x\"\nterminal_id = \"+\"\n", "topic level"},
      {"[fleet]\nbroker = \"mqtts://x\"\ntopic_prefix = \"a/#\"\n", "wildcards"},
      {"[fleet]\nbroker = \"mqtts://x\"\nremote_commands = [\"run\", \"reboot\"]\n", "reboot"},
      {"[fleet]\nbroker = \"mqtts://x\"\nclient_cert = \"/etc/c.pem\"\n", "client_key"},
      {"[fleet]\nbroker = \"mqtts://x\"\nkeepalive_s = 1\n", "keepalive_s"},
      {"[fleet]\nbroker = \"mqtts://x\"\noutbox_dir = \"relative\"\n", "outbox_dir"},
  };
  for (const auto& [text, want] : cases) {
    auto config = Parse(text);
    ASSERT_FALSE(config) << text;
    EXPECT_NE(config.error().detail.find(want), std::string::npos) << text << "\n"
                                                                   << config.error().detail;
  }
}

TEST(FleetSettingsTest, TheTerminalIdComesFromTheSerialNumberThenMachineId) {
  testing::TempDir root;
  io::RootFs fs(root.path());
  EXPECT_FALSE(DiscoverTerminalId(fs));
  Write(root.path() / "etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  auto id = DiscoverTerminalId(fs);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->first, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(id->second, "machine-id");
  Write(root.path() / "sys/class/dmi/id/product_serial", "To Be Filled By O.E.M.\n");
  EXPECT_EQ(DiscoverTerminalId(fs)->second, "machine-id");  // a placeholder is no serial
  Write(root.path() / "sys/class/dmi/id/product_serial", "PX5-00412\n");
  EXPECT_EQ(DiscoverTerminalId(fs)->first, "PX5-00412");
  Write(root.path() / "sys/firmware/devicetree/base/serial-number", std::string("A920-7731\0", 10));
  id = DiscoverTerminalId(fs);
  EXPECT_EQ(id->first, "A920-7731");
  EXPECT_EQ(id->second, "device tree");
}

TEST(FleetSettingsTest, PathsAreUnderTheRoot) {
  auto config = Parse(
      "[system]\nroot = \"/tmp\"\n[fleet]\nbroker = \"mqtts://x:1\"\nterminal_id = \"t\"\n"
      "ca_file = \"/etc/ca.pem\"\nclient_cert = \"/etc/c.pem\"\nclient_key = \"/etc/k.pem\"\n");
  ASSERT_TRUE(config) << config.error().detail;
  auto s = ReadFleetSettings(config->Section("fleet"), io::RootFs("/tmp"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->tls.ca_file, "/tmp/etc/ca.pem");
  EXPECT_EQ(s->tls.key_file, "/tmp/etc/k.pem");
}

}  // namespace
}  // namespace posdiag::agent::fleet
