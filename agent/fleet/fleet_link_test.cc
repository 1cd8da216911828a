// The link against a real Mosquitto (tests/fleet/broker.sh): a backlog that waits out a broker
// outage and arrives whole and once, the ACL's refusal keeping reports, commands and the status.
#include "agent/fleet/fleet_link.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <map>

#include "agent/report_id.h"
#include "agent/sinks/temp_dir.h"
#include "tests/fleet/test_broker.h"

namespace posdiag::agent::fleet {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// What the daemon's loop does for the link, until `done` or the deadline.
bool Drive(FleetLink& link, const std::function<bool()>& done, milliseconds within) {
  const auto until = steady_clock::now() + within;
  while (!done()) {
    const auto now = steady_clock::now();
    if (now >= until) return false;
    auto wait = until - now;
    if (auto next = link.NextWake()) wait = std::min<steady_clock::duration>(wait, *next - now);
    const int ms = static_cast<int>(
        std::max<long long>(0, std::chrono::duration_cast<milliseconds>(wait).count()));
    if (link.fd() >= 0) {
      pollfd p{link.fd(), static_cast<short>(POLLIN | (link.WantWrite() ? POLLOUT : 0)), 0};
      if (::poll(&p, 1, std::min(ms, 200)) > 0) {
        if (p.revents & (POLLIN | POLLERR | POLLHUP)) link.OnReadable();
        if (link.fd() >= 0 && (p.revents & POLLOUT)) link.OnWritable();
      }
    } else {
      ::poll(nullptr, 0, std::min(ms, 200));
    }
    if (auto next = link.NextWake(); next && steady_clock::now() >= *next) {
      link.OnWake(steady_clock::now());
    }
  }
  return true;
}

// The desk: every message on the terminals' topics.
struct Desk {
  std::unique_ptr<drivers::mqtt::Client> client;
  std::vector<drivers::mqtt::Message> got;
  bool up = false;

  bool Connect(const posdiag::testing::TestBroker& broker, const std::string& pattern) {
    drivers::mqtt::Options o;
    o.broker = {true, "localhost", broker.port()};
    o.tls = {broker.File("ca.crt"), broker.File("desk-1.crt"), broker.File("desk-1.key")};
    o.client_id = "desk-test";
    drivers::mqtt::Client::Callbacks c;
    c.connected = [this] { up = true; };
    c.message = [this](const drivers::mqtt::Message& m) { got.push_back(m); };
    auto made = drivers::mqtt::Client::Create(o, c);
    if (!made || !(*made)->Connect()) return false;
    client = std::move(*made);
    if (!client->WaitFor([this] { return up; }, io::Deadline::In(milliseconds(5000)))) return false;
    return client->Subscribe(pattern).ok() &&
           client->WaitFor([] { return false; }, io::Deadline::In(milliseconds(200)))
                   .error()
                   .kind == ErrorKind::kTimeout;
  }
  bool Wait(const std::function<bool()>& done, milliseconds within) {
    return client->WaitFor(done, io::Deadline::In(within)).ok();
  }
  std::map<std::string, int> ReportIds() const {
    std::map<std::string, int> ids;
    for (const auto& m : got) {
      if (m.topic.size() < 7 || m.topic.substr(m.topic.size() - 7) != "/report") continue;
      ++ids[json::parse(m.payload)["report_id"].get<std::string>()];
    }
    return ids;
  }
};

class FleetLinkTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(broker_.Start()) << broker_.log(); }

  FleetSettings Settings(const std::string& cert = "term-0001",
                         const std::string& id = "term-0001") {
    FleetSettings s;
    s.broker = {true, "localhost", broker_.port()};
    s.tls = {broker_.File("ca.crt"), broker_.File(cert + ".crt"), broker_.File(cert + ".key")};
    s.terminal_id = id;
    s.topic_prefix = "posdiag/v1";
    s.outbox_dir = (dir_.path() / "outbox").string();
    s.outbox_max_bytes = 1 << 20;
    s.keepalive = std::chrono::seconds(5);
    s.remote_commands = kRemoteCommands;
    s.backlog_per_s = 50;
    s.reconnect_max = std::chrono::seconds(1);
    return s;
  }

  // n reports into the outbox, capped at max_bytes (padded by `pad` bytes each).
  std::vector<std::string> Fill(int n, std::uintmax_t max_bytes = 1 << 20, std::size_t pad = 0) {
    Outbox outbox(dir_.path() / "outbox", max_bytes);
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      ids.push_back(NewReportId());
      json report{{"schema", "posdiag.report/1"},
                  {"report_id", ids.back()},
                  {"status", "error"},
                  {"level", "boot"},
                  {"findings", json::array({json{{"code", "T1"}}})},
                  {"terminal_id", "term-0001"}};
      if (pad > 0) report["pad"] = std::string(pad, 'p');
      EXPECT_TRUE(outbox.Put(ids.back(), report.dump()));
    }
    return ids;
  }

  std::size_t Pending() {
    Outbox outbox(dir_.path() / "outbox", 1 << 20);
    return outbox.List()->size();
  }

  posdiag::testing::TestBroker broker_;
  posdiag::agent::testing::TempDir dir_;
};

TEST_F(FleetLinkTest, ABacklogWaitsOutTheBrokerAndArrivesWholeAndOnce) {
  Desk desk;
  ASSERT_TRUE(desk.Connect(broker_, "posdiag/v1/+/report"));
  broker_.Stop();
  const auto ids = Fill(20);
  FleetLink link(Settings(), nullptr);
  ASSERT_TRUE(link.Start());
  EXPECT_FALSE(Drive(
      link, [&] { return link.connected(); }, milliseconds(1500)));
  EXPECT_FALSE(link.last_error().empty());
  EXPECT_EQ(Pending(), 20u);  // nothing lost while the broker was away
  ASSERT_TRUE(broker_.Restart()) << broker_.log();
  desk = Desk();
  ASSERT_TRUE(desk.Connect(broker_, "posdiag/v1/+/report"));
  ASSERT_TRUE(Drive(
      link, [&] { return Pending() == 0; }, milliseconds(15000)))
      << link.last_error();
  ASSERT_TRUE(desk.Wait([&] { return desk.ReportIds().size() == 20; }, milliseconds(5000)));
  for (const auto& [id, count] : desk.ReportIds()) EXPECT_EQ(count, 1) << id;
  for (const auto& id : ids) EXPECT_TRUE(desk.ReportIds().count(id)) << id;
  EXPECT_EQ(link.sent(), 20u);
}

TEST_F(FleetLinkTest, ATerminalIdThatIsNotItsCertificatesIsRefusedAndKept) {
  Fill(3);
  FleetLink link(Settings("term-0001", "term-0002"), nullptr);
  FleetLink::Flushed flushed;
  ASSERT_TRUE(link.Start());
  auto done = link.Flush(io::Deadline::In(milliseconds(8000)), flushed);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().kind, ErrorKind::kPermission);
  EXPECT_NE(done.error().detail.find("terminal_id term-0002"), std::string::npos)
      << done.error().detail;
  EXPECT_EQ(flushed.pending, 3u);
  EXPECT_EQ(Pending(), 3u);
}

TEST_F(FleetLinkTest, FlushSendsAllAndSaysTheStatus) {
  Desk desk;
  ASSERT_TRUE(desk.Connect(broker_, "posdiag/v1/#"));
  const auto ids = Fill(5);
  FleetLink link(Settings(), nullptr);
  FleetLink::Flushed flushed;
  auto done = link.Flush(io::Deadline::In(milliseconds(8000)), flushed);
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_EQ(flushed.sent, 5u);
  EXPECT_EQ(flushed.pending, 0u);
  // The status on connection says 5 pending; the one the flush ends with, none and the last
  // report, and `offline`: a flush does not stay connected.
  json status;
  ASSERT_TRUE(desk.Wait(
      [&] {
        for (const auto& m : desk.got) {
          if (m.topic == "posdiag/v1/term-0001/status") status = json::parse(m.payload);
        }
        return status.is_object() && status["state"] == "offline";
      },
      milliseconds(5000)))
      << status.dump();
  EXPECT_EQ(status["state"], "offline");  // a flush does not stay connected
  EXPECT_EQ(status["last"]["report_id"], ids.back());
  EXPECT_EQ(status["last"]["codes"], json::array({"T1"}));
  EXPECT_EQ(status["outbox"]["pending"], 0);
}

TEST_F(FleetLinkTest, TheCapsDroppedCountReachesTheDeskInTheStatus) {
  Desk desk;
  ASSERT_TRUE(desk.Connect(broker_, "posdiag/v1/#"));
  // About 600 bytes a report against a 2 KiB cap: 10 saved, the oldest dropped.
  constexpr std::uintmax_t kCap = 2048;
  const auto ids = Fill(10, kCap, 500);
  const std::uint64_t dropped = Outbox(dir_.path() / "outbox", kCap).Dropped();
  ASSERT_GT(dropped, 0u);
  ASSERT_LT(dropped, 10u);
  FleetSettings settings = Settings();
  settings.outbox_max_bytes = kCap;
  FleetLink link(settings, nullptr);
  FleetLink::Flushed flushed;
  auto done = link.Flush(io::Deadline::In(milliseconds(8000)), flushed);
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_EQ(flushed.sent, 10u - dropped);
  // Every status the desk sees from this terminal says how many the cap dropped.
  std::vector<json> statuses;
  ASSERT_TRUE(desk.Wait(
      [&] {
        statuses.clear();
        for (const auto& m : desk.got) {
          if (m.topic == "posdiag/v1/term-0001/status") statuses.push_back(json::parse(m.payload));
        }
        return !statuses.empty() && statuses.back()["state"] == "offline";
      },
      milliseconds(5000)));
  for (const json& status : statuses) {
    EXPECT_EQ(status["outbox"]["dropped"], dropped) << status.dump();
  }
  // The desk got the newest reports, and none of those dropped.
  const auto got = desk.ReportIds();
  EXPECT_EQ(got.size(), 10u - dropped);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(got.count(ids[i]), i < dropped ? 0u : 1u) << i;
  }
}

TEST_F(FleetLinkTest, ABacklogGoesOutAtBacklogPerSecondNotAtOnce) {
  Desk desk;
  ASSERT_TRUE(desk.Connect(broker_, "posdiag/v1/+/report"));
  Fill(20);
  FleetSettings settings = Settings();
  settings.backlog_per_s = 5;
  FleetLink link(settings, nullptr);
  ASSERT_TRUE(link.Start());
  ASSERT_TRUE(Drive(
      link, [&] { return link.sent() >= 1; }, milliseconds(8000)))
      << link.last_error();
  // In the second after the first acknowledgement, at 5 a second, at most 5 more go out (one
  // more for where the second's edges fall). A slow machine sends fewer, never more.
  Drive(
      link, [] { return false; }, milliseconds(1000));
  EXPECT_LE(link.sent(), 1u + 5u + 1u);
  EXPECT_GE(Pending(), 20u - 7u);
  // And the rest still goes, each once.
  ASSERT_TRUE(Drive(
      link, [&] { return Pending() == 0; }, milliseconds(20000)))
      << link.last_error();
  ASSERT_TRUE(desk.Wait([&] { return desk.ReportIds().size() == 20; }, milliseconds(5000)));
  for (const auto& [id, count] : desk.ReportIds()) EXPECT_EQ(count, 1) << id;
}

TEST_F(FleetLinkTest, CommandsInTheAllowListAreAnsweredOthersRefused) {
  Desk desk;
  ASSERT_TRUE(desk.Connect(broker_, "posdiag/v1/+/cmd/+/result"));
  FleetSettings settings = Settings();
  settings.remote_commands = {"report"};
  std::vector<std::string> handled;
  FleetLink link(settings, nullptr, [&](const std::string& command, const json&) {
    handled.push_back(command);
    return json{{"ok", true}, {"report", {{"report_id", "X"}}}};
  });
  ASSERT_TRUE(link.Start());
  ASSERT_TRUE(Drive(
      link, [&] { return link.connected(); }, milliseconds(5000)));
  // Let the subscription settle, then ask.
  Drive(
      link, [] { return false; }, milliseconds(300));
  ASSERT_TRUE(desk.client->Publish("posdiag/v1/term-0001/cmd/00aa", R"({"command":"report"})"));
  ASSERT_TRUE(desk.client->Publish("posdiag/v1/term-0001/cmd/00bb", R"({"command":"run"})"));
  ASSERT_TRUE(desk.client->Publish("posdiag/v1/term-0001/cmd/00cc", "not json"));
  ASSERT_TRUE(desk.Wait([] { return false; }, milliseconds(1)) || true);
  ASSERT_TRUE(Drive(
      link, [&] { return handled.size() == 1; }, milliseconds(5000)));
  Drive(
      link, [] { return false; }, milliseconds(300));
  ASSERT_TRUE(desk.Wait([&] { return desk.got.size() == 3; }, milliseconds(5000)));
  std::map<std::string, json> results;
  for (const auto& m : desk.got) results[m.topic] = json::parse(m.payload);
  const json& ok = results["posdiag/v1/term-0001/cmd/00aa/result"];
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(ok["request_id"], "00aa");
  EXPECT_EQ(ok["report"]["report_id"], "X");
  const json& refused = results["posdiag/v1/term-0001/cmd/00bb/result"];
  EXPECT_EQ(refused["ok"], false);
  EXPECT_NE(refused["error"].get<std::string>().find("remote_commands"), std::string::npos);
  EXPECT_EQ(results["posdiag/v1/term-0001/cmd/00cc/result"]["ok"], false);
  EXPECT_EQ(handled, std::vector<std::string>{"report"});
}

TEST_F(FleetLinkTest, AnIdleLinkWakesOnlyForItsKeepalive) {
  FleetLink link(Settings(), nullptr);
  ASSERT_TRUE(link.Start());
  ASSERT_TRUE(Drive(
      link, [&] { return link.connected() && Pending() == 0; }, milliseconds(5000)));
  Drive(
      link, [] { return false; }, milliseconds(500));
  auto next = link.NextWake();
  ASSERT_TRUE(next);
  // keepalive 5 s: the next wake-up is about 6 s away, not sooner.
  EXPECT_GT(*next - steady_clock::now(), milliseconds(4000));
}

}  // namespace
}  // namespace posdiag::agent::fleet
