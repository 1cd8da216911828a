// posdiag-fleet run: subscribe to the answer (and the terminal's retained status, to say why no
// answer came), then publish the command, and wait for the result until the deadline. The broker
// handles one connection's packets in order, so the subscription is in place before the command
// can reach the terminal.
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "agent/desk/fleet_commands.h"
#include "agent/desk/render.h"
#include "agent/desk/wire.h"
#include "agent/report.h"
#include "drivers/base/clock.h"

namespace posdiag::desk {
namespace {

namespace mqtt = drivers::mqtt;
constexpr std::string_view kName = "posdiag-fleet run: ";

int Fail(const std::string& why) {
  std::cerr << kName << why << "\n";
  return 3;
}

}  // namespace

int RunRemote(const RemoteRunArgs& args) {
  if (!ValidTerminalId(args.terminal_id)) {
    return Fail("terminal ID " + args.terminal_id + ": expected 1-64 of A-Z a-z 0-9 . _ -");
  }
  agent::Level level;
  if (!agent::ParseLevel(args.level, level)) {
    return Fail("level " + args.level + ": expected boot, merchant or engineer");
  }
  const io::Deadline deadline = io::Deadline::In(args.timeout);
  const std::string request_id = NewRequestId();
  const std::string result_topic = ResultTopic(args.broker.prefix, args.terminal_id, request_id);
  const std::string status_topic = StatusTopic(args.broker.prefix, args.terminal_id);

  bool up = false;
  std::optional<std::string> dropped;
  std::optional<int> acked_mid;
  std::optional<std::string> refused;
  std::optional<CommandResult> result;
  std::optional<StatusRecord> status;
  std::string ignored;  // the last message on the result topic that was not this answer
  mqtt::Client::Callbacks callbacks;
  callbacks.connected = [&] { up = true; };
  callbacks.disconnected = [&](const std::string& why) { dropped = why; };
  callbacks.acknowledged = [&](int mid, const std::optional<std::string>& why) {
    acked_mid = mid;
    refused = why;
  };
  callbacks.message = [&](const mqtt::Message& m) {
    const Topic topic = ParseTopic(args.broker.prefix, m.topic);
    if (topic.kind == TopicKind::kStatus) {
      if (auto s = ParseStatus(args.terminal_id, m.payload)) status = std::move(*s);
      return;
    }
    if (m.topic != result_topic) return;
    auto r = ParseResult(args.terminal_id, request_id, m.payload);
    if (r) {
      result = std::move(*r);
    } else {
      ignored = r.error().detail;
    }
  };

  mqtt::Options options;
  options.broker = args.broker.broker;
  options.tls = args.broker.tls;
  options.keepalive = args.broker.keepalive;
  options.client_id = "posdiag-fleet-run-" + request_id;
  auto client = mqtt::Client::Create(options, callbacks);
  if (!client) return Fail(client.error().detail);
  mqtt::Client& c = **client;
  const std::string broker = mqtt::BrokerUrlText(args.broker.broker);
  if (auto r = c.Connect(); !r)
    return Fail("broker " + broker + " unreachable: " + r.error().detail);
  if (auto r = c.WaitFor([&] { return up || dropped.has_value(); }, deadline); !r || !up) {
    return Fail("broker " + broker + " unreachable: " +
                (dropped ? *dropped
                 : r     ? std::string("disconnected")
                         : r.error().detail));
  }
  for (const auto& topic : {result_topic, status_topic}) {
    if (auto r = c.Subscribe(topic); !r) return Fail(r.error().detail);
  }
  const std::string command = RunCommandPayload(args.level);
  auto mid = c.Publish(CommandTopic(args.broker.prefix, args.terminal_id, request_id), command);
  if (!mid) return Fail(mid.error().detail);
  auto sent = c.WaitFor([&] { return acked_mid == *mid || result || dropped; }, deadline);
  if (refused) {
    return Fail("the broker refused the command for " + args.terminal_id + ": " + *refused +
                " (does this desk's certificate allow " + args.broker.prefix + "/+/cmd/+?)");
  }
  if (sent) {
    sent = c.WaitFor([&] { return result.has_value() || dropped.has_value(); }, deadline);
  }
  const std::optional<std::string> went = dropped;  // before our own disconnect says so too
  c.Disconnect();
  if (!result) {
    std::string why;
    if (went) {
      why = "the connection to " + broker + " went: " + *went;
    } else {
      why = "no answer from " + args.terminal_id + " in " + std::to_string(args.timeout.count()) +
            " s";
      if (status) {
        why += " (its last status: " + status->state +
               (status->time.empty() ? std::string() : " at " + status->time) + ")";
      } else {
        why += " (the broker holds no status for it: is the terminal ID right?)";
      }
    }
    if (!ignored.empty()) why += "; an answer that did not fit: " + ignored;
    return Fail(why + " [request " + request_id + "]");
  }
  if (args.format == Format::kJson) {
    std::cout << nlohmann::json::parse(result->json).dump(2) << "\n";
  }
  if (!result->ok) {
    return Fail(args.terminal_id + " did not run it: " + result->error + " [request " + request_id +
                "]");
  }
  if (args.format == Format::kText) {
    std::cout << args.terminal_id << " ran the " << args.level << " diagnosis [request "
              << request_id << "]";
    if (result->report_exit_code) {
      std::cout << "; the report's exit status: " << *result->report_exit_code;
    }
    std::cout << "\n";
    if (result->report) {
      std::cout << "\n" << RenderReportText({*result->report, 0}, args.lang);
    } else {
      std::cout << "(the answer carries no report)\n";
    }
  }
  return 0;
}

}  // namespace posdiag::desk
