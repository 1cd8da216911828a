// [fleet]: where the terminal's reports go (an MQTT broker), as whom (its certificate and its
// terminal ID), and how the outbox that carries them there is bounded. Read once per process.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/config.h"
#include "drivers/base/result.h"
#include "drivers/io/root_fs.h"
#include "drivers/mqtt/mqtt_client.h"

namespace posdiag::agent::fleet {

// The commands the desk may send (remote_commands lists a subset).
inline const std::vector<std::string> kRemoteCommands{"run", "report", "history", "show"};

struct FleetSettings {
  drivers::mqtt::BrokerUrl broker;
  drivers::mqtt::TlsFiles tls;  // opened as they are: terminal paths under [system] root
  std::string terminal_id;
  std::string terminal_id_source;  // "config", "device tree", "DMI", "machine-id"
  std::string topic_prefix;
  std::string outbox_dir;  // a host path
  std::uintmax_t outbox_max_bytes = 0;
  std::chrono::seconds keepalive{60};
  std::vector<std::string> remote_commands;
  double backlog_per_s = 2;  // reports sent per second when a backlog drains
  std::chrono::seconds reconnect_max{300};

  std::string Topic(std::string_view leaf) const {
    return topic_prefix + "/" + terminal_id + "/" + std::string(leaf);
  }
};

SectionSpec FleetSection();

// A terminal ID as it may appear in a topic: 1-64 of A-Z a-z 0-9 . _ -
bool IsTerminalId(std::string_view id);

// The terminal's own ID when the config names none: the device tree's serial number, else DMI's
// product serial, else /etc/machine-id (all under [system] root); what does not make a topic
// level (empty, "0", "To Be Filled By O.E.M.", other characters) is passed over.
Result<std::pair<std::string, std::string>> DiscoverTerminalId(const io::RootFs& fs);

// The settings from a present [fleet] table (the config check has passed).
Result<FleetSettings> ReadFleetSettings(const ConfigSection& section, const io::RootFs& fs);

}  // namespace posdiag::agent::fleet
