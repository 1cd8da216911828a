// The terminal's link to the desk: one MQTT connection (drivers/mqtt) that publishes the
// terminal's status (retained; `offline` is its last will), sends the outbox's reports at a
// bounded rate and removes each only when the broker acknowledges it, and takes the desk's
// commands. In the daemon it is an EventSource: an idle link wakes only for the keepalive and for
// reconnection attempts (backing off to reconnect_max). `posdiag fleet flush` uses Flush().
// Example:
//   FleetLink link(settings, log, handler);
//   link.SetLast(LastFromHistory(...));
//   loop.Add(&link);  link.Start();
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agent/event_source.h"
#include "agent/fleet/fleet_settings.h"
#include "agent/fleet/outbox.h"
#include "drivers/base/clock.h"
#include "drivers/mqtt/mqtt_client.h"

namespace posdiag::agent::fleet {

// A permitted command's answer: the fields after "ok" ({"ok":true,"report":{...}} or
// {"ok":false,"error":"refused: ..."}). Called on the loop's thread; may run a diagnosis.
using CommandHandler =
    std::function<nlohmann::json(const std::string& command, const nlohmann::json& body)>;

class FleetLink final : public EventSource {
 public:
  FleetLink(FleetSettings settings, std::shared_ptr<spdlog::logger> log,
            CommandHandler handler = {});
  ~FleetLink() override;

  // Makes the client and makes the first connection attempt (later ones follow by themselves).
  // An error only for what no retry can mend (unreadable certificate files).
  Result<void> Start();
  // Publishes `offline` and disconnects (the daemon is stopping).
  void Stop(io::Deadline deadline);
  // A report went into the outbox (this process's run); others are seen by OutboxWatch.
  void Kick();
  // The last report, as the status carries it: {"report_id","level","status","codes","time"}.
  void SetLast(nlohmann::json last);

  struct Flushed {
    std::size_t sent = 0;
    std::size_t pending = 0;  // still in the outbox
  };
  // Connects, sends the whole outbox (as fast as acknowledgements come: a flush is asked for),
  // publishes the status, disconnects. An error when it cannot connect, the broker refuses, or
  // the deadline passes; `flushed` says how far it got either way.
  Result<void> Flush(io::Deadline deadline, Flushed& flushed);

  bool connected() const { return client_ && client_->connected(); }
  std::size_t sent() const { return sent_; }
  const std::string& last_error() const { return last_error_; }

  // EventSource
  int fd() const override;
  bool WantWrite() const override;
  void OnReadable() override;
  void OnWritable() override;
  std::optional<TimePoint> NextWake() const override;
  void OnWake(TimePoint now) override;

 private:
  void Connected();
  void Disconnected(const std::string& why);
  void Acknowledged(int mid, const std::optional<std::string>& refused);
  void Message(const drivers::mqtt::Message& message);
  // What the callbacks asked for, done outside libmosquitto's calls (a publish from inside its
  // callback would take its locks in the other order): subscribe and say the status after a
  // connection, answer commands, send the next report.
  void Pump(TimePoint now, bool paced);
  void HandleCommands();
  void Answer(const std::string& request_id, const std::string& command, nlohmann::json body);
  void SendNext(TimePoint now, bool paced);
  void PublishStatus(bool online = true);
  // The retained status; `will`: the short form the broker says for a terminal that vanished.
  nlohmann::json Status(bool online, bool will = false) const;
  void Note(const std::string& line, bool error);

  FleetSettings settings_;
  std::shared_ptr<spdlog::logger> log_;
  CommandHandler handler_;
  Outbox outbox_;
  std::unique_ptr<drivers::mqtt::Client> client_;
  nlohmann::json last_;
  std::map<int, OutboxItem> in_flight_;  // message id -> the outbox entry it carries
  std::deque<std::pair<std::string, std::string>> commands_;  // request id, payload
  std::optional<TimePoint> reconnect_at_;
  std::chrono::seconds backoff_{1};
  TimePoint next_send_{};
  bool more_ = true;             // the outbox may hold something not yet sent
  bool refused_ = false;         // the broker refused a report: wait for the next connection
  bool just_connected_ = false;  // Pump() subscribes and says the status
  bool status_due_ = false;
  std::size_t sent_ = 0;
  std::size_t pending_ = 0;
  std::string last_error_;
};

// Wakes the link when another process (a self-test, the console's `selftest`) writes a report
// into the outbox: inotify on the directory, no polling.
class OutboxWatch final : public EventSource {
 public:
  OutboxWatch(const std::string& dir, FleetLink& link);
  ~OutboxWatch() override;
  int fd() const override { return fd_; }
  void OnReadable() override;
  void OnUnpollable(const std::string& why) override;

 private:
  int fd_ = -1;
  FleetLink& link_;
};

// The payload of a report on the wire: the JSON report with the terminal ID.
std::string ReportPayload(const nlohmann::json& report, const std::string& terminal_id);
// The status's `last` from a report's JSON (or a history entry with the same fields).
nlohmann::json LastOf(const nlohmann::json& report);

}  // namespace posdiag::agent::fleet
