#include "agent/fleet/fleet_link.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "drivers/base/time_format.h"

namespace posdiag::agent::fleet {
namespace {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::string_view kStatusSchema = "posdiag.status/1";
constexpr std::string_view kResultSchema = "posdiag.result/1";
constexpr std::size_t kMaxCommandBytes = 8192;
constexpr std::size_t kMaxQueuedCommands = 16;

bool IsRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string Now() { return FormatRfc3339Utc(std::chrono::system_clock::now()); }

}  // namespace

std::string ReportPayload(const json& report, const std::string& terminal_id) {
  json j = report;
  j["terminal_id"] = terminal_id;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json LastOf(const json& report) {
  json codes = json::array();
  if (auto f = report.find("findings"); f != report.end() && f->is_array()) {
    for (const auto& finding : *f) {
      if (!finding.is_object() || !finding.contains("code") || !finding["code"].is_string()) {
        continue;
      }
      if (std::find(codes.begin(), codes.end(), finding["code"]) == codes.end()) {
        codes.push_back(finding["code"]);
      }
    }
  } else if (auto c = report.find("codes"); c != report.end() && c->is_array()) {
    codes = *c;
  }
  json last = json::object();
  for (const char* key : {"report_id", "level", "status", "kind"}) {
    if (auto it = report.find(key); it != report.end() && it->is_string()) last[key] = *it;
  }
  last["codes"] = codes;
  if (auto t = report.find("started_at"); t != report.end() && t->is_string()) last["time"] = *t;
  return last;
}

FleetLink::FleetLink(FleetSettings settings, std::shared_ptr<spdlog::logger> log,
                     CommandHandler handler)
    : settings_(std::move(settings)),
      log_(std::move(log)),
      handler_(std::move(handler)),
      outbox_(settings_.outbox_dir, settings_.outbox_max_bytes),
      last_(nullptr) {}

FleetLink::~FleetLink() { client_.reset(); }

void FleetLink::Note(const std::string& line, bool error) {
  if (error) last_error_ = line;
  if (!log_) return;
  if (error) {
    log_->warn("fleet: {}", line);
  } else {
    log_->info("fleet: {}", line);
  }
}

Result<void> FleetLink::Start() {
  drivers::mqtt::Options options;
  options.broker = settings_.broker;
  options.tls = settings_.tls;
  options.client_id = "posdiag-" + settings_.terminal_id;
  options.keepalive = settings_.keepalive;
  options.will = drivers::mqtt::Will{settings_.Topic("status"), Status(false, true).dump(), true};
  drivers::mqtt::Client::Callbacks callbacks;
  callbacks.connected = [this] { Connected(); };
  callbacks.disconnected = [this](const std::string& why) { Disconnected(why); };
  callbacks.acknowledged = [this](int mid, const std::optional<std::string>& refused) {
    Acknowledged(mid, refused);
  };
  callbacks.message = [this](const drivers::mqtt::Message& m) { Message(m); };
  auto client = drivers::mqtt::Client::Create(options, std::move(callbacks));
  if (!client) return client.error().Context("fleet");
  client_ = std::move(*client);
  if (auto started = client_->Connect(); !started) {
    Disconnected(started.error().detail);
  }
  return Ok();
}

void FleetLink::Connected() {
  // Inside libmosquitto's callback: only state here; Pump() subscribes and publishes after it.
  backoff_ = std::chrono::seconds(1);
  reconnect_at_.reset();
  refused_ = false;
  more_ = true;
  just_connected_ = true;
  Note("connected to " + drivers::mqtt::BrokerUrlText(settings_.broker) + " as " +
           settings_.terminal_id,
       false);
}

void FleetLink::Pump(TimePoint now, bool paced) {
  if (!connected()) return;
  if (just_connected_) {
    just_connected_ = false;
    if (handler_) {
      if (auto subscribed = client_->Subscribe(settings_.Topic("cmd/+")); !subscribed) {
        Note(subscribed.error().detail, true);
      }
    }
    status_due_ = true;
  }
  if (status_due_) {
    status_due_ = false;
    PublishStatus();
  }
  HandleCommands();
  SendNext(now, paced);
}

void FleetLink::Disconnected(const std::string& why) {
  in_flight_.clear();  // unacknowledged: they stay in the outbox and go again
  Note("not connected: " + why, true);
  reconnect_at_ = steady_clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, settings_.reconnect_max);
}

void FleetLink::Acknowledged(int mid, const std::optional<std::string>& refused) {
  auto it = in_flight_.find(mid);
  if (it == in_flight_.end()) return;  // a status or an answer
  const OutboxItem item = it->second;
  in_flight_.erase(it);
  if (refused) {
    // Kept: a refusal is the broker's configuration (the ACL, terminal_id against the
    // certificate), and the report must survive until that is mended.
    refused_ = true;
    Note("the broker refused report " + item.name + ": " + *refused + " (is terminal_id " +
             settings_.terminal_id + " the name the broker's ACL gives this certificate?)",
         true);
    return;
  }
  if (auto removed = outbox_.Remove(item); !removed) Note(removed.error().detail, true);
  ++sent_;
  if (pending_ > 0) --pending_;
  if (log_) log_->info("fleet: sent {}", item.name);
  more_ = true;
  if (pending_ == 0) status_due_ = true;  // the backlog is gone: say so (from Pump)
}

void FleetLink::Message(const drivers::mqtt::Message& message) {
  const std::string prefix = settings_.Topic("cmd/");
  if (message.topic.rfind(prefix, 0) != 0) return;
  const std::string request_id = message.topic.substr(prefix.size());
  if (!IsRequestId(request_id)) {
    Note("a command on " + message.topic + " ignored: not a request ID", true);
    return;
  }
  if (commands_.size() >= kMaxQueuedCommands) {
    Note("command " + request_id + " dropped: too many waiting", true);
    return;
  }
  commands_.emplace_back(request_id, message.payload);
}

void FleetLink::HandleCommands() {
  while (!commands_.empty() && connected()) {
    auto [request_id, payload] = std::move(commands_.front());
    commands_.pop_front();
    if (payload.size() > kMaxCommandBytes) {
      Answer(request_id, "", {{"ok", false}, {"error", "refused: the command is too long"}});
      continue;
    }
    const json body = json::parse(payload, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("command") ||
        !body["command"].is_string()) {
      Answer(request_id, "",
             {{"ok", false}, {"error", "refused: expected {\"command\": \"run\", ...}"}});
      continue;
    }
    const std::string command = body["command"].get<std::string>();
    const auto& allowed = settings_.remote_commands;
    if (std::find(allowed.begin(), allowed.end(), command) == allowed.end()) {
      Answer(request_id, command,
             {{"ok", false},
              {"error", "refused: \"" + command + "\" is not in this terminal's remote_commands"}});
      continue;
    }
    if (log_) log_->info("fleet: command {} request={}", command, request_id);
    json answer = handler_ ? handler_(command, body)
                           : json{{"ok", false}, {"error", "refused: no commands here"}};
    Answer(request_id, command, std::move(answer));
  }
}

void FleetLink::Answer(const std::string& request_id, const std::string& command, json body) {
  json result{{"schema", kResultSchema},
              {"request_id", request_id},
              {"terminal_id", settings_.terminal_id},
              {"command", command},
              {"time", Now()}};
  for (auto& [key, value] : body.items()) result[key] = std::move(value);
  if (log_) {
    log_->info("fleet: answer request={} ok={}{}", request_id,
               result.value("ok", false) ? "true" : "false",
               result.contains("error") ? " " + result["error"].get<std::string>() : "");
  }
  const std::string text = result.dump(-1, ' ', false, json::error_handler_t::replace);
  if (auto sent = client_->Publish(settings_.Topic("cmd/" + request_id + "/result"), text); !sent) {
    Note(sent.error().detail, true);
  }
}

json FleetLink::Status(bool online, bool will) const {
  json status{{"schema", kStatusSchema},
              {"terminal_id", settings_.terminal_id},
              {"state", online ? "online" : "offline"}};
  if (will) return status;  // the last will: said when the terminal is gone, not now
  status["time"] = Now();
  status["last"] = last_;
  status["outbox"] = {{"pending", pending_}, {"dropped", outbox_.Dropped()}};
  return status;
}

void FleetLink::PublishStatus(bool online) {
  if (!connected()) return;
  if (auto listed = outbox_.List(); listed) pending_ = listed->size();
  if (auto sent = client_->Publish(settings_.Topic("status"), Status(online).dump(), true); !sent) {
    Note(sent.error().detail, true);
  }
}

void FleetLink::SetLast(json last) {
  last_ = std::move(last);
  PublishStatus();
}

void FleetLink::Kick() {
  more_ = true;
  if (connected()) SendNext(steady_clock::now(), true);
}

void FleetLink::SendNext(TimePoint now, bool paced) {
  if (!connected() || refused_ || !more_ || !in_flight_.empty()) return;
  if (paced && now < next_send_) return;
  auto items = outbox_.List();
  if (!items) {
    Note(items.error().detail, true);
    return;
  }
  pending_ = items->size();
  for (const auto& line : outbox_.TakeProblems()) Note(line, true);
  for (const OutboxItem& item : *items) {
    auto text = outbox_.Read(item);
    for (const auto& line : outbox_.TakeProblems()) Note(line, true);
    if (!text) continue;  // set aside (corrupt) or sent meanwhile: the next one
    const json report = json::parse(*text, nullptr, false);
    if (report.is_object()) last_ = LastOf(report);
    auto mid = client_->Publish(settings_.Topic("report"), *text);
    if (!mid) {
      Note(mid.error().detail, true);
      return;
    }
    in_flight_[*mid] = item;
    // A backlog goes out at backlog_per_s: a terminal back from a day offline must not flood
    // its link or the broker.
    next_send_ = now + duration_cast<steady_clock::duration>(
                           std::chrono::duration<double>(1.0 / settings_.backlog_per_s));
    return;
  }
  more_ = false;
  pending_ = 0;
}

Result<void> FleetLink::Flush(io::Deadline deadline, Flushed& flushed) {
  if (!client_) {
    if (auto started = Start(); !started) {
      if (auto listed = outbox_.List(); listed) flushed.pending = listed->size();
      return started.error();
    }
  }
  if (!connected()) {
    auto up = client_->WaitFor([this] { return connected(); }, deadline);
    if (!up) {
      flushed.pending = pending_;
      if (auto listed = outbox_.List(); listed) flushed.pending = listed->size();
      return up.error().Context("fleet flush: " + drivers::mqtt::BrokerUrlText(settings_.broker));
    }
  }
  more_ = true;
  Result<void> done = client_->WaitFor(
      [this] {
        Pump(steady_clock::now(), false);
        return refused_ || (!more_ && in_flight_.empty() && !status_due_);
      },
      deadline);
  flushed.sent = sent_;
  flushed.pending = pending_;
  if (auto listed = outbox_.List(); listed) flushed.pending = listed->size();
  if (!done) return done.error().Context("fleet flush");
  if (refused_) return Error{ErrorKind::kPermission, "fleet flush: " + last_error_};
  // The last report and what is left, as `offline`: without the daemon nobody stays connected.
  PublishStatus(false);
  (void)client_->WaitFor([this] { return !client_->WantWrite(); }, deadline);
  client_->Disconnect();
  return Ok();
}

void FleetLink::Stop(io::Deadline deadline) {
  if (!client_) return;
  // `offline` said now rather than by the broker's will, which a DISCONNECT does not send.
  if (connected()) {
    PublishStatus(false);
    (void)client_->WaitFor([this] { return !client_->WantWrite(); }, deadline);
  }
  client_->Disconnect();
}

int FleetLink::fd() const { return client_ ? client_->fd() : -1; }

bool FleetLink::WantWrite() const { return client_ && client_->WantWrite(); }

void FleetLink::OnReadable() {
  if (!client_) return;
  client_->OnReadable();
  Pump(steady_clock::now(), true);
}

void FleetLink::OnWritable() {
  if (!client_) return;
  client_->OnWritable();
  Pump(steady_clock::now(), true);
}

std::optional<EventSource::TimePoint> FleetLink::NextWake() const {
  std::optional<TimePoint> next;
  auto earliest = [&next](std::optional<TimePoint> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (client_) earliest(client_->NextService());
  if (client_ && client_->fd() < 0) earliest(reconnect_at_);
  if (connected() && more_ && !refused_ && in_flight_.empty()) earliest(next_send_);
  return next;
}

void FleetLink::OnWake(TimePoint now) {
  if (!client_) return;
  if (client_->fd() < 0 && reconnect_at_ && now >= *reconnect_at_) {
    reconnect_at_.reset();
    if (auto started = client_->Connect(); !started) Disconnected(started.error().detail);
    return;
  }
  if (auto service = client_->NextService(); service && now >= *service) client_->Service();
  Pump(now, true);
}

// --- OutboxWatch ---------------------------------------------------------------------------------

OutboxWatch::OutboxWatch(const std::string& dir, FleetLink& link) : link_(link) {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) return;
  // A save ends with a rename into the directory.
  if (::inotify_add_watch(fd_, dir.c_str(), IN_MOVED_TO | IN_ONLYDIR) < 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

OutboxWatch::~OutboxWatch() {
  if (fd_ >= 0) ::close(fd_);
}

void OutboxWatch::OnReadable() {
  alignas(inotify_event) char buffer[4096];
  while (::read(fd_, buffer, sizeof buffer) > 0) {
  }
  link_.Kick();
}

void OutboxWatch::OnUnpollable(const std::string& /*why*/) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace posdiag::agent::fleet
