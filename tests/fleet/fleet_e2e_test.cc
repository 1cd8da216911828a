// posdiag-fleet against a real Mosquitto on loopback (tests/fleet/broker.sh: TLS, per-terminal
// certificates, the ACL): mosquitto_pub with a terminal's certificate plays the terminal, the
// collectors run as the program they are, and the database is read through the store.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/desk/desk_testing.h"
#include "agent/desk/store.h"
#include "agent/report_id.h"
#include "tests/e2e/run_command.h"
#include "tests/fleet/test_broker.h"

namespace posdiag::desk {
namespace {

using namespace std::chrono_literals;
using e2e::RunCommand;
using posdiag::testing::TestBroker;
using testing::ReportJson;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// A child process in its own process group, stopped (and reaped) when the object goes.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& output_file) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      const int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    if (pid_ > 0) ::setpgid(pid_, pid_);
  }
  ~Child() {
    if (pid_ > 0 && !status_) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Its exit status after `signal` (its output and errors are in the file), -1 when it had to be
  // killed.
  int Stop(int signal = SIGTERM) {
    if (status_) return *status_;
    ::kill(pid_, signal);
    return Wait(10s);
  }
  int Wait(std::chrono::milliseconds limit) {
    if (status_) return *status_;
    int status = 0;
    const bool done = WaitUntil([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, limit);
    if (!done) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      status_ = -1;
    } else {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    ::kill(-pid_, SIGKILL);  // anything it left in its group
    return *status_;
  }
  bool Running() { return !status_ && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.Start()) << broker_.log();
    dir_ = broker_.dir();
  }

  std::vector<std::string> Tls(const std::string& who) const {
    return {"--ca-file", dir_ + "/ca.crt",         "--cert", dir_ + "/" + who + ".crt",
            "--key",     dir_ + "/" + who + ".key"};
  }
  std::string Url() const { return "mqtts://localhost:" + std::to_string(broker_.port()); }

  // A collector, subscribed when this returns.
  std::unique_ptr<Child> StartCollector(const std::string& db, const std::string& desk = "desk-1",
                                        const std::string& log_name = "collector") {
    std::vector<std::string> argv{
        POSDIAG_FLEET, "collect", "--broker",    Url(),
        "--db",        db,        "--client-id", "posdiag-fleet-test-" + log_name};
    for (auto& a : Tls(desk)) argv.push_back(a);
    const std::string log = dir_ + "/" + log_name + ".log";
    auto child = std::make_unique<Child>(argv, log);
    const bool up =
        WaitUntil([&] { return ReadFile(log).find("subscribed to") != std::string::npos; });
    EXPECT_TRUE(up) << ReadFile(log);
    return child;
  }

  // mosquitto_pub with a terminal's certificate; the payload through a file, as it is.
  int Publish(const std::string& terminal, const std::string& topic, const std::string& payload,
              bool retain = false) {
    const std::string file = dir_ + "/payload";
    std::ofstream(file, std::ios::binary) << payload;
    std::vector<std::string> argv{"mosquitto_pub",
                                  "-h",
                                  "localhost",
                                  "-p",
                                  std::to_string(broker_.port()),
                                  "--cafile",
                                  dir_ + "/ca.crt",
                                  "--cert",
                                  dir_ + "/" + terminal + ".crt",
                                  "--key",
                                  dir_ + "/" + terminal + ".key",
                                  "-V",
                                  "mqttv5",
                                  "-q",
                                  "1",
                                  "-t",
                                  topic,
                                  "-f",
                                  file};
    if (retain) argv.push_back("-r");
    const auto o = RunCommand(argv);
    EXPECT_EQ(o.exit_status, 0) << o.err;
    return o.exit_status;
  }
  void PublishReport(const std::string& terminal, const nlohmann::json& report) {
    Publish(terminal, "posdiag/v1/" + terminal + "/report", report.dump());
  }

  std::int64_t Count(const std::string& db) {
    auto store = Store::Open(db, Store::Mode::kExisting);
    if (!store) return -1;
    auto n = (*store)->ReportCount();
    return n ? *n : -1;
  }
  std::set<std::string> Ids(const std::string& db) {
    std::set<std::string> ids;
    auto store = Store::Open(db, Store::Mode::kExisting);
    if (!store) return ids;
    auto all = (*store)->FindReports("", 100000);
    if (all) {
      for (const auto& r : *all) ids.insert(r.record.report_id);
    }
    return ids;
  }

  e2e::Outcome Fleet(std::vector<std::string> args) {
    args.insert(args.begin(), POSDIAG_FLEET);
    return RunCommand(args);
  }

  TestBroker broker_;
  std::string dir_;
};

TEST_F(FleetTest, AReportReachesSqliteWithItsId) {
  const std::string db = dir_ + "/fleet.db";
  auto collector = StartCollector(db);
  const std::string id = agent::NewReportId();
  PublishReport("term-0001", ReportJson(id, "term-0001", "error", {"P1", "T1"}));
  ASSERT_TRUE(WaitUntil([&] { return Count(db) == 1; })) << ReadFile(dir_ + "/collector.log");
  auto store = Store::Open(db, Store::Mode::kExisting);
  ASSERT_TRUE(store);
  auto found = (*store)->FindReports(id, 2);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].record.terminal_id, "term-0001");
  EXPECT_EQ((*found)[0].record.kind, "selftest");
  EXPECT_EQ((*found)[0].record.codes, (std::vector<std::string>{"P1", "T1"}));
  EXPECT_EQ(nlohmann::json::parse((*found)[0].record.json)["report_id"], id);
  EXPECT_EQ(collector->Stop(), 0);
  EXPECT_NE(ReadFile(dir_ + "/collector.log").find("1 reports stored"), std::string::npos);
}

TEST_F(FleetTest, AReportPublishedWhileTheCollectorIsDownIsStoredWhenItComesBack) {
  const std::string db = dir_ + "/fleet.db";
  auto collector = StartCollector(db);
  EXPECT_EQ(collector->Stop(), 0);
  // The terminal's report is acknowledged by the broker while no collector is connected: the
  // broker queues it in the collector's session.
  const std::string id = agent::NewReportId();
  PublishReport("term-0001", ReportJson(id, "term-0001"));
  collector = StartCollector(db);
  ASSERT_TRUE(WaitUntil([&] { return Ids(db).count(id) == 1; }))
      << ReadFile(dir_ + "/collector.log");
  EXPECT_EQ(collector->Stop(), 0);
}

TEST_F(FleetTest, TheSameReportTwiceIsStoredOnce) {
  const std::string db = dir_ + "/fleet.db";
  auto collector = StartCollector(db);
  const std::string id = agent::NewReportId();
  PublishReport("term-0001", ReportJson(id, "term-0001"));
  PublishReport("term-0001", ReportJson(id, "term-0001"));
  // A third, different report: once it is in, the second copy has been handled too (one
  // terminal's messages arrive in order).
  const std::string after = agent::NewReportId();
  PublishReport("term-0001", ReportJson(after, "term-0001"));
  ASSERT_TRUE(WaitUntil([&] { return Ids(db).count(after) == 1; }));
  EXPECT_EQ(Count(db), 2);
  EXPECT_EQ(collector->Stop(), 0);
  EXPECT_NE(ReadFile(dir_ + "/collector.log").find("2 reports stored, 1 duplicates"),
            std::string::npos)
      << ReadFile(dir_ + "/collector.log");
}

TEST_F(FleetTest, TwoCollectorsOnTheSharedSubscriptionStoreEachReportOnce) {
  const std::string db1 = dir_ + "/one.db";
  const std::string db2 = dir_ + "/two.db";
  auto a = StartCollector(db1, "desk-1", "collector-1");
  auto b = StartCollector(db2, "desk-2", "collector-2");
  std::set<std::string> sent;
  for (int i = 0; i < 30; ++i) {
    const std::string id = agent::NewReportId();
    sent.insert(id);
    PublishReport(i % 2 ? "term-0001" : "term-0002",
                  ReportJson(id, i % 2 ? "term-0001" : "term-0002"));
  }
  ASSERT_TRUE(WaitUntil([&] { return Count(db1) + Count(db2) >= 30; }))
      << Count(db1) << " + " << Count(db2);
  std::this_thread::sleep_for(300ms);  // a late duplicate would show now
  const auto one = Ids(db1);
  const auto two = Ids(db2);
  EXPECT_GT(one.size(), 0u);  // both took a share
  EXPECT_GT(two.size(), 0u);
  EXPECT_EQ(one.size() + two.size(), 30u);
  std::set<std::string> all = one;
  all.insert(two.begin(), two.end());
  EXPECT_EQ(all, sent);
  EXPECT_EQ(a->Stop(), 0);
  EXPECT_EQ(b->Stop(), 0);
}

TEST_F(FleetTest, TwoCollectorsIntoOneDatabaseStoreEachReportOnce) {
  const std::string db = dir_ + "/fleet.db";
  auto a = StartCollector(db, "desk-1", "collector-1");
  auto b = StartCollector(db, "desk-2", "collector-2");
  for (int i = 0; i < 20; ++i)
    PublishReport("term-0001", ReportJson(agent::NewReportId(), "term-0001"));
  ASSERT_TRUE(WaitUntil([&] { return Count(db) >= 20; })) << Count(db);
  EXPECT_EQ(a->Stop(), 0);
  EXPECT_EQ(b->Stop(), 0);
  EXPECT_EQ(Count(db), 20);
}

TEST_F(FleetTest, GarbageIsCountedAndTheCollectorCarriesOn) {
  const std::string db = dir_ + "/fleet.db";
  auto collector = StartCollector(db);
  Publish("term-0001", "posdiag/v1/term-0001/report", "garbage");
  Publish("term-0001", "posdiag/v1/term-0001/report", "{}");
  auto no_id = ReportJson(agent::NewReportId(), "term-0001");
  no_id.erase("report_id");
  PublishReport("term-0001", no_id);
  Publish("term-0001", "posdiag/v1/term-0001/report", std::string(2 * 1024 * 1024, '{'));
  Publish("term-0001", "posdiag/v1/term-0001/status", "\xff\xfe not a status");
  const std::string good = agent::NewReportId();
  PublishReport("term-0001", ReportJson(good, "term-0001"));
  ASSERT_TRUE(WaitUntil([&] { return Ids(db).count(good) == 1; }));
  EXPECT_TRUE(collector->Running());
  auto store = Store::Open(db, Store::Mode::kExisting);
  ASSERT_TRUE(store);
  auto rejected = (*store)->Rejected();
  ASSERT_TRUE(rejected);
  std::int64_t total = 0;
  std::set<std::string> reasons;
  for (const auto& r : *rejected) {
    total += r.count;
    reasons.insert(r.reason);
  }
  EXPECT_EQ(total, 5);
  EXPECT_TRUE(reasons.count("not JSON"));
  EXPECT_TRUE(reasons.count("no \"schema\""));
  EXPECT_TRUE(reasons.count("no \"report_id\""));
  EXPECT_TRUE(reasons.count("larger than 1 MiB"));
  EXPECT_EQ(Count(db), 1);
  EXPECT_EQ(collector->Stop(), 0);
  const std::string log = ReadFile(dir_ + "/collector.log");
  EXPECT_NE(log.find("5 rejected"), std::string::npos) << log;
  EXPECT_NE(log.find("rejected a message on posdiag/v1/term-0001/report (7 bytes): not JSON"),
            std::string::npos)
      << log;
}

TEST_F(FleetTest, ListShowsUnknownAndAnOfflineTerminalPlainly) {
  const std::string db = dir_ + "/fleet.db";
  auto collector = StartCollector(db);
  const std::string id1 = agent::NewReportId();
  const std::string id2 = agent::NewReportId();
  PublishReport("term-0001", ReportJson(id1, "term-0001", "unknown", {}));
  Publish("term-0001", "posdiag/v1/term-0001/status",
          nlohmann::json{{"schema", "posdiag.status/1"},
                         {"terminal_id", "term-0001"},
                         {"state", "online"},
                         {"time", "2026-11-21T05:41:00Z"},
                         {"last", nullptr},
                         {"outbox", {{"pending", 0}, {"dropped", 0}}}}
              .dump(),
          true);
  PublishReport("term-0002", ReportJson(id2, "term-0002", "ok", {}));
  // term-0002 goes away without a word: the broker publishes its last will.
  const std::string will = nlohmann::json{
      {"schema", "posdiag.status/1"},
      {"terminal_id", "term-0002"},
      {"state", "offline"}}.dump();
  Child terminal({"stdbuf",
                  "-oL",
                  "mosquitto_sub",
                  "-h",
                  "localhost",
                  "-p",
                  std::to_string(broker_.port()),
                  "--cafile",
                  dir_ + "/ca.crt",
                  "--cert",
                  dir_ + "/term-0002.crt",
                  "--key",
                  dir_ + "/term-0002.key",
                  "-V",
                  "mqttv5",
                  "-t",
                  "posdiag/v1/term-0002/cmd/+",
                  "--will-topic",
                  "posdiag/v1/term-0002/status",
                  "--will-payload",
                  will,
                  "--will-qos",
                  "1",
                  "--will-retain",
                  "-d"},
                 dir_ + "/term-0002.log");
  ASSERT_TRUE(WaitUntil([&] {
    return ReadFile(dir_ + "/term-0002.log").find("received SUBACK") != std::string::npos;
  })) << ReadFile(dir_ + "/term-0002.log");
  terminal.Stop(SIGKILL);
  ASSERT_TRUE(WaitUntil([&] {
    const auto o = Fleet({"list", "--db", db, "--format", "json"});
    const auto j = nlohmann::json::parse(o.out, nullptr, false);
    return j.is_object() && j["terminals"].size() == 2 && j["terminals"][1]["state"] == "offline" &&
           !j["terminals"][0]["last"].is_null();
  })) << Fleet({"list", "--db", db}).out;
  const auto text = Fleet({"list", "--db", db});
  EXPECT_EQ(text.exit_status, 0) << text.err;
  std::istringstream lines(text.out);
  std::string line, t1, t2;
  while (std::getline(lines, line)) {
    if (line.rfind("term-0001", 0) == 0) t1 = line;
    if (line.rfind("term-0002", 0) == 0) t2 = line;
  }
  EXPECT_NE(t1.find(" online "), std::string::npos) << text.out;
  EXPECT_NE(t1.find(" unknown "), std::string::npos) << text.out;
  EXPECT_EQ(t1.find(" ok "), std::string::npos) << text.out;
  EXPECT_NE(t2.find(" offline "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("not known to be clear"), std::string::npos) << text.out;
  const auto j = nlohmann::json::parse(Fleet({"list", "--db", db, "--format", "json"}).out);
  EXPECT_EQ(j["terminals"][0]["last"]["status"], "unknown");
  EXPECT_EQ(j["terminals"][0]["last"]["report_id"], id1);
  EXPECT_EQ(j["terminals"][1]["state"], "offline");
  EXPECT_EQ(collector->Stop(), 0);
}

TEST_F(FleetTest, ShowFindsAReportAsAMerchantReadsItOut) {
  const std::string db = dir_ + "/fleet.db";
  auto collector = StartCollector(db);
  // An ID with a 0 and a 1 in it, to be read as O and L.
  std::string id;
  do {
    id = agent::NewReportId();
  } while (id.find('0') == std::string::npos || id.find('1') == std::string::npos);
  PublishReport("term-0001", ReportJson(id, "term-0001", "error", {"P1"}));
  ASSERT_TRUE(WaitUntil([&] { return Count(db) == 1; }));
  EXPECT_EQ(collector->Stop(), 0);

  std::string spoken;
  for (char c : id) {
    if (c == '-') continue;
    spoken += c == '0' ? 'o' : c == '1' ? 'l' : static_cast<char>(std::tolower(c));
  }
  auto o = Fleet({"show", spoken, "--db", db, "--lang", "en"});
  EXPECT_EQ(o.exit_status, 0) << spoken << ": " << o.err;
  EXPECT_NE(o.out.find("Report " + id), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("P1  Printer out of paper"), std::string::npos) << o.out;
  // Read out in two groups, with a space.
  o = Fleet({"show", spoken.substr(0, 4) + " " + spoken.substr(4), "--db", db, "--format", "json"});
  EXPECT_EQ(o.exit_status, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out)["report_id"], id);
  // The start of it, when it names one report.
  o = Fleet({"show", spoken.substr(0, 5), "--db", db});
  EXPECT_EQ(o.exit_status, 0) << o.err;
  EXPECT_NE(o.out.find("打印机缺纸"), std::string::npos) << o.out;
  // A misheard symbol is caught by the check symbol, not shown as another report.
  std::string misheard = spoken;
  misheard.back() = misheard.back() == '2' ? '3' : '2';
  o = Fleet({"show", misheard, "--db", db});
  EXPECT_EQ(o.exit_status, 3);
  EXPECT_NE(o.err.find("check symbol"), std::string::npos) << o.err;
  o = Fleet({"show", "ZZZZ-ZZZ", "--db", db});
  EXPECT_EQ(o.exit_status, 3);
  EXPECT_NE(o.err.find("no report"), std::string::npos) << o.err;
}

class RunTest : public FleetTest {
 protected:
  // The responder (tests/fleet/responder.sh) for term-0001, subscribed when this returns.
  std::unique_ptr<Child> Responder(const std::string& mode, const std::string& arg) {
    const std::string ready = dir_ + "/responder.ready";
    std::filesystem::remove(ready);
    auto child = std::make_unique<Child>(
        std::vector<std::string>{POSDIAG_RESPONDER, dir_, "term-0001", mode, arg, ready},
        dir_ + "/responder.log");
    EXPECT_TRUE(WaitUntil([&] { return std::filesystem::exists(ready); }))
        << ReadFile(dir_ + "/responder.log");
    return child;
  }
  e2e::Outcome Run(const std::string& terminal, const std::string& timeout,
                   const std::string& format = "text") {
    std::vector<std::string> args{"run",       terminal, "merchant", "--broker", Url(),
                                  "--timeout", timeout,  "--format", format};
    for (auto& a : Tls("desk-1")) args.push_back(a);
    return Fleet(args);
  }
};

TEST_F(RunTest, RoundTripPrintsTheTerminalsReport) {
  const std::string id = agent::NewReportId();
  const std::string report_file = dir_ + "/report.json";
  std::ofstream(report_file) << ReportJson(id, "term-0001", "error", {"P1"}).dump();
  auto responder = Responder("ok", report_file);
  const auto o = Run("term-0001", "20");
  EXPECT_EQ(o.exit_status, 0) << o.err;
  EXPECT_NE(o.out.find("term-0001 ran the merchant diagnosis"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("the report's exit status: 2"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Report " + id), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("P1  Printer out of paper"), std::string::npos) << o.out;
  EXPECT_EQ(responder->Wait(10s), 0);
  // The request the desk sent, as the terminal saw it.
  EXPECT_NE(ReadFile(dir_ + "/responder.log").find("answered "), std::string::npos);
}

TEST_F(RunTest, RoundTripAsJson) {
  const std::string id = agent::NewReportId();
  const std::string report_file = dir_ + "/report.json";
  std::ofstream(report_file) << ReportJson(id, "term-0001", "ok", {}).dump();
  auto responder = Responder("ok", report_file);
  const auto o = Run("term-0001", "20", "json");
  EXPECT_EQ(o.exit_status, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["report"]["report_id"], id);
  EXPECT_EQ(j["request_id"].get<std::string>().size(), 16u);
  EXPECT_EQ(responder->Wait(10s), 0);
}

TEST_F(RunTest, ARefusalIsExit3WithTheTerminalsReason) {
  auto responder = Responder("refuse", "refused: a transaction is in progress");
  const auto o = Run("term-0001", "20");
  EXPECT_EQ(o.exit_status, 3);
  EXPECT_NE(o.err.find("term-0001 did not run it: refused: a transaction is in progress"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(responder->Wait(10s), 0);
}

TEST_F(RunTest, NoAnswerIsATimeoutWithExit3) {
  Publish("term-0002", "posdiag/v1/term-0002/status",
          R"({"schema":"posdiag.status/1","terminal_id":"term-0002","state":"offline"})", true);
  const auto start = std::chrono::steady_clock::now();
  const auto o = Run("term-0002", "2");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(o.exit_status, 3);
  EXPECT_NE(o.err.find("no answer from term-0002 in 2 s (its last status: offline)"),
            std::string::npos)
      << o.err;
  EXPECT_LT(took, 6s);
}

TEST(FleetErrorsTest, AnUnreachableBrokerOrAMissingDatabaseIsExit3WithTheReason) {
  // A loopback port with nothing listening.
  const auto o = RunCommand({POSDIAG_FLEET, "collect", "--broker", "mqtt://127.0.0.1:1", "--db",
                             "/nonexistent-dir/fleet.db"});
  EXPECT_EQ(o.exit_status, 3);
  EXPECT_NE(o.err.find("database"), std::string::npos) << o.err;
  const std::string db = std::filesystem::temp_directory_path() /
                         ("posdiag-fleet-" + std::to_string(::getpid()) + ".db");
  const auto start = std::chrono::steady_clock::now();
  const auto down = RunCommand({POSDIAG_FLEET, "collect", "--broker", "mqtt://127.0.0.1:1",
                                "--connect-timeout", "2", "--db", db});
  EXPECT_EQ(down.exit_status, 3);
  EXPECT_NE(down.err.find("unreachable"), std::string::npos) << down.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  std::filesystem::remove(db);
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");

  const auto list = RunCommand({POSDIAG_FLEET, "list", "--db", "/nonexistent-dir/fleet.db"});
  EXPECT_EQ(list.exit_status, 3);
  EXPECT_NE(list.err.find("no such database"), std::string::npos) << list.err;
  const auto clear =
      RunCommand({POSDIAG_FLEET, "collect", "--broker", "mqtt://192.0.2.1:1883", "--db", db});
  EXPECT_EQ(clear.exit_status, 3);
  EXPECT_NE(clear.err.find("only on loopback"), std::string::npos) << clear.err;
  const auto bad =
      RunCommand({POSDIAG_FLEET, "run", "term-0001", "sideways", "--broker", "mqtt://127.0.0.1:1"});
  EXPECT_EQ(bad.exit_status, 3);
}

}  // namespace
}  // namespace posdiag::desk
