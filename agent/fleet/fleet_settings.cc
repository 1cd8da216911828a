#include "agent/fleet/fleet_settings.h"

#include <algorithm>
#include <array>

namespace posdiag::agent::fleet {

SectionSpec FleetSection() {
  return {"fleet",
          "reports to the support desk over MQTT (docs/fleet.md)",
          {String("broker")
               .Required()
               .Check([](const ConfigValue& v) {
                 auto url = drivers::mqtt::ParseBrokerUrl(std::get<std::string>(v));
                 return url ? std::string() : url.error().detail;
               })
               .Means("mqtts://HOST:PORT (mqtt:// only on loopback)"),
           TerminalPath("ca_file").Means("the broker's CA certificate (default: the system's CAs)"),
           TerminalPath("client_cert")
               .With("client_key")
               .Means("this terminal's certificate for mutual TLS"),
           TerminalPath("client_key").With("client_cert").Means("its private key"),
           String("terminal_id")
               .Check([](const ConfigValue& v) {
                 return IsTerminalId(std::get<std::string>(v))
                            ? std::string()
                            : std::string("1 to 64 of A-Z a-z 0-9 . _ - (it is a topic level)");
               })
               .DefaultText("the serial number (device tree, DMI) or /etc/machine-id")
               .Means("this terminal's name on the broker (its certificate's CN, for the ACL)"),
           String("topic_prefix")
               .Default("posdiag/v1")
               .Check([](const ConfigValue& v) {
                 const auto& s = std::get<std::string>(v);
                 const bool bad = s.empty() || s.front() == '/' || s.back() == '/' ||
                                  s.find_first_of("+#\0", 0, 3) != std::string::npos;
                 return bad ? std::string("a topic without wildcards or a leading/trailing /")
                            : std::string();
               })
               .Means("topics are PREFIX/TERMINAL_ID/status, /report, /cmd/..."),
           HostPath("outbox_dir")
               .Default("/var/lib/posdiag/outbox")
               .Means("reports not yet acknowledged by the broker"),
           Int("outbox_max_kb", 16, 1 << 20)
               .Default(2048)
               .Means("the outbox's size; beyond it the oldest reports are dropped (and counted)"),
           Int("keepalive_s", 5, 3600)
               .Default(60)
               .Means("MQTT keepalive: an idle daemon's one wake-up"),
           StringList("remote_commands")
               .Default(kRemoteCommands)
               .Check([](const ConfigValue& v) {
                 for (const auto& c : std::get<std::vector<std::string>>(v)) {
                   if (std::find(kRemoteCommands.begin(), kRemoteCommands.end(), c) ==
                       kRemoteCommands.end()) {
                     return "unknown command \"" + c + "\" (run, report, history, show)";
                   }
                 }
                 return std::string();
               })
               .Means("what the desk may ask for"),
           Real("backlog_per_s", 0.1, 100)
               .Default(2.0)
               .Means("reports sent per second while a backlog drains"),
           Int("reconnect_max_s", 1, 3600)
               .Default(300)
               .Means("the longest wait between two connection attempts")}};
}

bool IsTerminalId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Result<std::pair<std::string, std::string>> DiscoverTerminalId(const io::RootFs& fs) {
  struct Source {
    const char* path;
    const char* name;
  };
  static constexpr std::array<Source, 4> kSources{{
      {"/sys/firmware/devicetree/base/serial-number", "device tree"},
      {"/proc/device-tree/serial-number", "device tree"},
      {"/sys/class/dmi/id/product_serial", "DMI"},
      {"/etc/machine-id", "machine-id"},
  }};
  for (const Source& source : kSources) {
    auto text = fs.ReadText(source.path, 256);
    if (!text) continue;
    std::string id = *text;
    // The device tree's string ends in NUL; sysfs and machine-id in a newline.
    while (!id.empty() && (id.back() == '\0' || id.back() == '\n' || id.back() == ' ')) {
      id.pop_back();
    }
    if (id.empty() || id == "0" || id.find("O.E.M.") != std::string::npos || !IsTerminalId(id)) {
      continue;
    }
    return std::pair{id, std::string(source.name)};
  }
  return Error{ErrorKind::kNotFound,
               "no terminal_id in [fleet], and neither a serial number (device tree, DMI) nor "
               "/etc/machine-id to take it from"};
}

Result<FleetSettings> ReadFleetSettings(const ConfigSection& section, const io::RootFs& fs) {
  FleetSettings s;
  auto url = drivers::mqtt::ParseBrokerUrl(section.GetString("broker"));
  if (!url) return url.error();
  s.broker = *url;
  if (section.Has("ca_file")) s.tls.ca_file = fs.Path(section.GetString("ca_file")).string();
  if (section.Has("client_cert")) {
    s.tls.cert_file = fs.Path(section.GetString("client_cert")).string();
    s.tls.key_file = fs.Path(section.GetString("client_key")).string();
  }
  if (section.Has("terminal_id")) {
    s.terminal_id = section.GetString("terminal_id");
    s.terminal_id_source = "config";
  } else {
    auto found = DiscoverTerminalId(fs);
    if (!found) return found.error();
    s.terminal_id = found->first;
    s.terminal_id_source = found->second;
  }
  s.topic_prefix = section.GetString("topic_prefix");
  s.outbox_dir = section.GetString("outbox_dir");
  s.outbox_max_bytes = static_cast<std::uintmax_t>(section.GetInt("outbox_max_kb")) * 1024;
  s.keepalive = std::chrono::seconds(section.GetInt("keepalive_s"));
  s.remote_commands = section.GetStringList("remote_commands");
  s.backlog_per_s = section.GetReal("backlog_per_s");
  s.reconnect_max = std::chrono::seconds(section.GetInt("reconnect_max_s"));
  return s;
}

}  // namespace posdiag::agent::fleet
