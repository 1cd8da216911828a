// posdiag-fleet collect: one connection, two subscriptions (every terminal's status, and the
// reports on a shared subscription so that several collectors split them), each message stored
// as it arrives. The loop polls the connection and a signalfd; a connection that goes is made
// again with a growing pause, and SIGTERM or SIGINT ends it between two messages, so the database
// is never left inside a transaction.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>

#include "agent/desk/fleet_commands.h"
#include "agent/desk/store.h"
#include "agent/desk/wire.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/unique_fd.h"

namespace posdiag::desk {
namespace {

namespace mqtt = drivers::mqtt;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr std::string_view kName = "posdiag-fleet collect: ";
// Rejected messages are all counted; the first few are logged one by one, then every hundredth.
constexpr std::int64_t kRejectsLoggedInFull = 20;

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "desk";
  std::string out;
  for (char c : std::string(name)) {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '-';
  }
  return out.empty() ? "desk" : out;
}

class Collector {
 public:
  Collector(Store& store, const CollectArgs& args) : store_(store), args_(args) {}

  void OnMessage(const mqtt::Message& m) {
    const auto now = std::chrono::system_clock::now();
    if (m.payload.size() > kMaxPayloadBytes) {
      Reject(m, "larger than 1 MiB", now);
      return;
    }
    const Topic topic = ParseTopic(args_.broker.prefix, m.topic);
    if (topic.kind == TopicKind::kReport) {
      auto report = ParseReport(topic.terminal_id, m.payload);
      if (!report) {
        Reject(m, report.error().detail, now);
        return;
      }
      auto added = store_.AddReport(*report, now);
      if (!added) {
        StoreFailed("report " + report->report_id, added.error());
      } else if (*added == Store::Added::kNew) {
        ++stored_;
      } else {
        ++duplicates_;
      }
    } else if (topic.kind == TopicKind::kStatus) {
      auto status = ParseStatus(topic.terminal_id, m.payload);
      if (!status) {
        if (status.error().kind != ErrorKind::kNotFound) Reject(m, status.error().detail, now);
        return;
      }
      if (auto r = store_.UpdateStatus(*status, m.retained, now); !r) {
        StoreFailed("status of " + topic.terminal_id, r.error());
      } else {
        ++statuses_;
      }
    } else {
      Reject(m, "not a report or status topic under " + args_.broker.prefix, now);
    }
  }

  void Summary() const {
    std::cerr << kName << "stopped: " << stored_ << " reports stored, " << duplicates_
              << " duplicates, " << statuses_ << " statuses, " << rejected_ << " rejected, "
              << store_errors_ << " not stored (database errors)\n";
  }

 private:
  void Reject(const mqtt::Message& m, const std::string& reason,
              std::chrono::system_clock::time_point now) {
    ++rejected_;
    const std::string topic = agent::DisplayText(m.topic);
    if (rejected_ <= kRejectsLoggedInFull || rejected_ % 100 == 0) {
      std::cerr << kName << "rejected a message on " << topic << " (" << m.payload.size()
                << " bytes): " << reason << " [" << rejected_ << " rejected so far]\n";
    }
    if (auto r = store_.AddRejected(topic, reason, m.payload.size(), now); !r) {
      StoreFailed("rejected message", r.error());
    }
  }

  void StoreFailed(const std::string& what, const Error& e) {
    ++store_errors_;
    std::cerr << kName << "could not store " << what << ": " << e.detail << "\n";
  }

  Store& store_;
  const CollectArgs& args_;
  std::int64_t stored_ = 0;
  std::int64_t duplicates_ = 0;
  std::int64_t statuses_ = 0;
  std::int64_t rejected_ = 0;
  std::int64_t store_errors_ = 0;
};

// SIGTERM and SIGINT as a file descriptor; they are blocked so they arrive only there.
Result<io::UniqueFd> StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return ErrnoError("sigprocmask", errno);
  const int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return ErrnoError("signalfd", errno);
  return io::UniqueFd(fd);
}

}  // namespace

int RunCollect(const CollectArgs& args) {
  auto store = Store::Open(args.db, Store::Mode::kCreate);
  if (!store) {
    std::cerr << kName << "database: " << store.error().detail << "\n";
    return 3;
  }
  auto stop = StopSignals();
  if (!stop) {
    std::cerr << kName << stop.error().detail << "\n";
    return 3;
  }
  Collector collector(**store, args);

  mqtt::Client* client_ptr = nullptr;
  bool subscribe_now = false;
  std::string last_why;
  bool dropped = false;
  mqtt::Client::Callbacks callbacks;
  callbacks.connected = [&] { subscribe_now = true; };
  callbacks.disconnected = [&](const std::string& why) {
    last_why = why;
    dropped = true;
  };
  callbacks.message = [&](const mqtt::Message& m) { collector.OnMessage(m); };

  mqtt::Options options;
  options.broker = args.broker.broker;
  options.tls = args.broker.tls;
  options.keepalive = args.broker.keepalive;
  options.client_id = args.client_id;
  if (options.client_id.empty()) {
    std::error_code ec;
    const std::string db = std::filesystem::absolute(args.db, ec).string();
    char hash[16];
    std::snprintf(hash, sizeof hash, "%08zx", std::hash<std::string>{}(db)&std::size_t{0xffffffff});
    options.client_id = "posdiag-fleet-" + args.group + "-" + HostName() + "-" + hash;
  }
  options.persistent_session = true;
  auto client = mqtt::Client::Create(options, callbacks);
  if (!client) {
    std::cerr << kName << "broker " << mqtt::BrokerUrlText(args.broker.broker) << ": "
              << client.error().detail << "\n";
    return 3;
  }
  client_ptr = client->get();

  const std::string reports = SharedReportSubscription(args.broker.prefix, args.group);
  const std::string statuses = StatusSubscription(args.broker.prefix);
  const auto first_deadline = steady_clock::now() + args.connect_timeout;
  bool ever_connected = false;
  auto backoff = seconds(1);
  // When to connect again; kNever while connected or connecting.
  constexpr auto kNever = steady_clock::time_point::max();
  steady_clock::time_point reconnect_at = steady_clock::now();

  while (true) {
    const auto now = steady_clock::now();
    if (now >= reconnect_at) {
      reconnect_at = kNever;
      dropped = false;
      if (auto r = client_ptr->Connect(); !r) {
        last_why = r.error().detail;
        dropped = true;
      }
    }
    if (subscribe_now) {
      subscribe_now = false;
      auto a = client_ptr->Subscribe(statuses);
      auto b = a ? client_ptr->Subscribe(reports) : a;
      if (!b) {
        std::cerr << kName << b.error().detail << "\n";
      } else {
        std::cerr << kName << (ever_connected ? "connected again to " : "connected to ")
                  << mqtt::BrokerUrlText(args.broker.broker) << ", subscribed to " << statuses
                  << " and " << reports << "\n";
        ever_connected = true;
        backoff = seconds(1);
      }
    }
    if (dropped && reconnect_at == kNever) {
      dropped = false;
      if (!ever_connected && steady_clock::now() >= first_deadline) {
        std::cerr << kName << "broker " << mqtt::BrokerUrlText(args.broker.broker)
                  << " unreachable: " << last_why << "\n";
        return 3;
      }
      std::cerr << kName << "connection: " << last_why << "; again in " << backoff.count()
                << " s\n";
      reconnect_at = steady_clock::now() + backoff;
      backoff = std::min(backoff * 2, seconds(30));
    }
    if (!ever_connected && !client_ptr->connected() && steady_clock::now() >= first_deadline) {
      std::cerr << kName << "broker " << mqtt::BrokerUrlText(args.broker.broker)
                << " unreachable: " << (last_why.empty() ? "no answer in time" : last_why) << "\n";
      return 3;
    }

    // Wait for the connection, a signal or the next timer, at most a second.
    auto wake = steady_clock::now() + seconds(1);
    if (auto next = client_ptr->NextService()) wake = std::min(wake, *next);
    wake = std::min(wake, reconnect_at);
    if (!ever_connected) wake = std::min(wake, first_deadline);
    const auto wait = std::max(
        milliseconds(0), std::chrono::duration_cast<milliseconds>(wake - steady_clock::now()));
    pollfd fds[2] = {{stop->get(), POLLIN, 0}, {client_ptr->fd(), 0, 0}};
    nfds_t count = 1;
    if (fds[1].fd >= 0) {
      fds[1].events = static_cast<short>(POLLIN | (client_ptr->WantWrite() ? POLLOUT : 0));
      count = 2;
    }
    const int n = ::poll(fds, count, static_cast<int>(wait.count()));
    if (n < 0 && errno != EINTR) {
      std::cerr << kName << "poll: " << std::strerror(errno) << "\n";
      return 3;
    }
    if (n > 0 && (fds[0].revents & POLLIN)) {
      signalfd_siginfo info{};
      (void)!::read(stop->get(), &info, sizeof info);
      std::cerr << kName << (info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n";
      client_ptr->Disconnect();
      collector.Summary();
      return 0;
    }
    if (n > 0 && count == 2) {
      if (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) client_ptr->OnReadable();
      if (client_ptr->fd() >= 0 && (fds[1].revents & POLLOUT)) client_ptr->OnWritable();
    }
    if (auto next = client_ptr->NextService(); next && steady_clock::now() >= *next) {
      client_ptr->Service();
    }
  }
}

}  // namespace posdiag::desk
