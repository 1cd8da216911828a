// The commands of posdiag-fleet: `collect` (reports and status into the store until
// SIGTERM or SIGINT) and `run` (a remote diagnosis and its result). Each returns the exit status:
// 0 done, 3 could not complete (with the reason on stderr).
#pragma once

#include <chrono>
#include <string>

#include "drivers/mqtt/mqtt_client.h"
#include "rules/engine/rule.h"

namespace posdiag::desk {

struct BrokerArgs {
  drivers::mqtt::BrokerUrl broker;
  drivers::mqtt::TlsFiles tls;
  std::string prefix = "posdiag/v1";
  std::chrono::seconds keepalive{30};
};

struct CollectArgs {
  BrokerArgs broker;
  std::string group = "posdiag-desk";
  std::string db;
  // The broker keeps this collector's session while it is away (reports are queued, not lost):
  // the same ID after a restart. Default: posdiag-fleet-GROUP-HOST-<hash of the db's path>.
  std::string client_id;
  // The first connection must be made within this; later ones are retried until stopped.
  std::chrono::seconds connect_timeout{15};
};
int RunCollect(const CollectArgs& args);

enum class Format { kText, kJson };

struct RemoteRunArgs {
  BrokerArgs broker;
  std::string terminal_id;
  std::string level;
  std::chrono::seconds timeout{60};
  Format format = Format::kText;
  rules::Lang lang = rules::Lang::kEn;
};
int RunRemote(const RemoteRunArgs& args);

// `list` and `show`: the database only.
int RunList(const std::string& db, Format format);
// `id` as a merchant reads it (agent/report_id.h: any case, O for 0, I or L for 1, dashes and
// spaces anywhere); at least 4 symbols of the start of an ID that name exactly one report do too.
int RunShow(const std::string& id, const std::string& db, Format format, rules::Lang lang);

}  // namespace posdiag::desk
