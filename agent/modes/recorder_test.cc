#include "agent/modes/recorder.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/file.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/modes/diagnose.h"
#include "agent/probes/registry.h"
#include "agent/sinks/temp_dir.h"
#include "drivers/base/unique_fd.h"

namespace posdiag::agent {
namespace {

namespace fs = std::filesystem;
namespace jr = drivers::journal;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Key;
using ::testing::Pair;
using testing::TempDir;

void Append(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

std::vector<std::string> Texts(const FollowBatch& batch) {
  std::vector<std::string> out;
  for (const auto& l : batch.lines) out.push_back(l.text);
  return out;
}

io::Deadline Soon() { return io::Deadline::In(milliseconds(1000)); }

std::string Line(const std::string& code, int i) {
  return R"({"time":"2024-05-01T12:31:)" + std::string(i < 10 ? "0" : "") + std::to_string(i) +
         R"(+08:00","type":"sale","amount":12.5,"rc":")" + code +
         R"(","pan":"6222020000000000001"})" + "\n";
}

TEST(JournalFollower, OnlyWhatIsAppendedAfterTheStart) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.jsonl";
  Append(file, "old 1\nold 2\n");
  JournalFollower f(file, 64 * 1024);
  f.StartAtEnd();
  EXPECT_TRUE(f.Read(Soon()).lines.empty());
  Append(file, "new 1\nnew 2\n");
  EXPECT_THAT(Texts(f.Read(Soon())), ElementsAre("new 1", "new 2"));
  EXPECT_TRUE(f.Read(Soon()).lines.empty());
}

TEST(JournalFollower, PartialLinesWaitForTheirEnd) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.jsonl";
  Append(file, "");
  JournalFollower f(file, 64 * 1024);
  f.StartAtEnd();
  Append(file, "first half ");
  EXPECT_TRUE(f.Read(Soon()).lines.empty());
  Append(file, "and the rest\r\nnext");
  EXPECT_THAT(Texts(f.Read(Soon())), ElementsAre("first half and the rest"));
  Append(file, "\n");
  EXPECT_THAT(Texts(f.Read(Soon())), ElementsAre("next"));
}

TEST(JournalFollower, RotationReadsTheOldTailThenTheNewFile) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.csv";
  Append(file, "time,rc\n");
  JournalFollower f(file, 64 * 1024);
  f.StartAtEnd();
  Append(file, "a,98\n");
  fs::rename(file, dir.path() / "journal.csv.1");
  Append(dir.path() / "journal.csv.1", "b,98\n");  // written before the application reopened
  Append(file, "time,rc\nc,96\n");
  const FollowBatch batch = f.Read(Soon());
  EXPECT_TRUE(batch.rotated);
  EXPECT_THAT(Texts(batch), ElementsAre("a,98", "b,98", "time,rc", "c,96"));
  EXPECT_FALSE(batch.lines[1].first_of_file);
  EXPECT_TRUE(batch.lines[2].first_of_file);  // the new file's header
}

TEST(JournalFollower, MovedAwayAndNotYetReplaced) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.jsonl";
  Append(file, "");
  JournalFollower f(file, 64 * 1024);
  f.StartAtEnd();
  fs::rename(file, dir.path() / "journal.jsonl.1");
  EXPECT_TRUE(f.Read(Soon()).lines.empty());
  Append(file, "fresh\n");
  const FollowBatch batch = f.Read(Soon());
  EXPECT_TRUE(batch.rotated);
  EXPECT_THAT(Texts(batch), ElementsAre("fresh"));
}

TEST(JournalFollower, TruncationStartsAgain) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.jsonl";
  Append(file, "one\ntwo\n");
  JournalFollower f(file, 64 * 1024);
  f.StartAtEnd();
  fs::resize_file(file, 0);
  Append(file, "3\n");
  const FollowBatch batch = f.Read(Soon());
  EXPECT_TRUE(batch.truncated);
  EXPECT_THAT(Texts(batch), ElementsAre("3"));
}

TEST(JournalFollower, ReadsAreBoundedAndOverlongLinesDropped) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.jsonl";
  Append(file, "");
  JournalFollower f(file, 16 * 1024);
  f.StartAtEnd();
  std::string text = std::string(jr::kMaxLineBytes + 10, 'x') + "\n";
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + "\n";
  Append(file, text);
  std::size_t lines = 0;
  std::size_t dropped = 0;
  int reads = 0;
  for (bool more = true; more; ++reads) {
    const FollowBatch batch = f.Read(Soon());
    lines += batch.lines.size();
    dropped += batch.dropped;
    more = batch.more;
    ASSERT_LT(reads, 100);
  }
  EXPECT_EQ(lines, 2000u);
  EXPECT_EQ(dropped, 1u);
  EXPECT_GT(reads, 1);  // more than 16 KiB: not in one read
}

TEST(JournalWatch, WakesOnAppendsAndNeverOtherwise) {
  TempDir dir;
  const fs::path file = dir.path() / "journal.jsonl";
  Append(file, Line("00", 1));
  std::vector<jr::Entry> got;
  JournalWatch watch(
      file, JournalFormat{}, 64 * 1024, nullptr,
      [&](const std::vector<jr::Entry>& e) { got.insert(got.end(), e.begin(), e.end()); });
  watch.Start(std::chrono::steady_clock::now());
  ASSERT_TRUE(watch.watching());
  EXPECT_FALSE(watch.NextWake().has_value());  // idle: no timer
  pollfd p{watch.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 50), 0);  // nothing written: not readable
  Append(dir.path() / "other.log", "unrelated\n");
  ASSERT_EQ(::poll(&p, 1, 1000), 1);
  watch.OnReadable();
  EXPECT_TRUE(got.empty());
  Append(file, Line("98", 2) + "not json\n" + Line("51", 3));
  ASSERT_EQ(::poll(&p, 1, 1000), 1);
  watch.OnReadable();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].code, "98");
  EXPECT_EQ(got[1].code, "51");
  EXPECT_EQ(watch.lines_bad(), 1u);
}

TEST(JournalParser, CsvHeaderOfEachFile) {
  JournalFormat format;
  format.csv = true;
  format.fields.pan = "pan";
  JournalParser parser(format);
  std::size_t bad = 0;
  auto entries = parser.Parse({{"time,type,amount,rc,pan", true},
                               {"2024-05-01T12:31:00Z,sale,12.50,98,6222020000000000001", false}},
                              bad);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].code, "98");
  // A rotated file with its columns in another order.
  entries = parser.Parse({{"rc,time", true}, {"96,2024-05-01T12:32:00Z", false}}, bad);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].code, "96");
  EXPECT_EQ(bad, 0u);
}

Failure At(std::chrono::steady_clock::time_point t, std::int64_t epoch, std::string code = "98") {
  Failure f;
  f.entry.epoch_s = epoch;
  f.entry.code = std::move(code);
  f.seen = t;
  return f;
}

TEST(IncidentPlanner, FirstFailureRunsAtOnceLaterOnesAreFolded) {
  const auto t0 = std::chrono::steady_clock::time_point(seconds(1000));
  IncidentPlanner planner(seconds(60));
  EXPECT_FALSE(planner.NextWake().has_value());
  planner.Add(At(t0, 100));
  EXPECT_EQ(planner.NextWake(), t0);
  auto batch = planner.TakeDue(t0);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->failures, 1);
  for (int i = 1; i <= 5; ++i) planner.Add(At(t0 + seconds(i), 100 + i));
  EXPECT_EQ(planner.NextWake(), t0 + seconds(60));
  EXPECT_FALSE(planner.TakeDue(t0 + seconds(30)).has_value());
  batch = planner.TakeDue(t0 + seconds(60));
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->failures, 5);
  EXPECT_EQ(batch->first_s, 101);
  EXPECT_EQ(batch->last_s, 105);
  EXPECT_EQ(batch->newest.entry.epoch_s, 105);
  // The storm has passed after a quiet interval: one summary, once.
  EXPECT_FALSE(planner.TakeSummary(t0 + seconds(90)).has_value());
  auto summary = planner.TakeSummary(t0 + seconds(120));
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->failures, 6);
  EXPECT_EQ(summary->runs, 2);
  EXPECT_FALSE(planner.TakeSummary(t0 + seconds(500)).has_value());
  EXPECT_FALSE(planner.NextWake().has_value());
}

TEST(IncidentPlanner, AStormOfAThousandGivesBoundedRunsAndOneSummary) {
  const auto t0 = std::chrono::steady_clock::time_point(seconds(1000));
  IncidentPlanner planner(seconds(10));
  int runs = 0;
  int summaries = 0;
  std::int64_t covered = 0;
  // 1,000 failures over 30 s, with the planner woken as the loop would wake it.
  for (int i = 0; i < 1000; ++i) {
    const auto now = t0 + milliseconds(i * 30);
    planner.Add(At(now, 1000 + i / 33));
    while (auto due = planner.NextWake()) {
      if (*due > now) break;
      if (auto b = planner.TakeDue(now)) {
        ++runs;
        covered += b->failures;
      } else if (planner.TakeSummary(now)) {
        ++summaries;
      } else {
        break;
      }
    }
  }
  for (auto now = t0 + seconds(30); now < t0 + seconds(120); now += seconds(1)) {
    if (auto b = planner.TakeDue(now)) {
      ++runs;
      covered += b->failures;
    }
    if (planner.TakeSummary(now)) ++summaries;
  }
  EXPECT_EQ(covered, 1000);
  EXPECT_LE(runs, 4);  // at most one per 10 s over 30 s, plus the first
  EXPECT_GE(runs, 2);
  EXPECT_EQ(summaries, 1);
}

TEST(IncidentPlanner, FailuresFarApartEachRunWithoutASummary) {
  const auto t0 = std::chrono::steady_clock::time_point(seconds(1000));
  IncidentPlanner planner(seconds(10));
  int runs = 0;
  for (int i = 0; i < 3; ++i) {
    const auto now = t0 + seconds(100 * i);
    EXPECT_FALSE(planner.TakeSummary(now).has_value());
    planner.Add(At(now, i));
    if (planner.TakeDue(now)) ++runs;
  }
  EXPECT_EQ(runs, 3);
  EXPECT_FALSE(planner.TakeSummary(t0 + seconds(1000)).has_value());
}

TEST(Recorder, KeepsOnlyTheConfiguredCodes) {
  RecorderSettings settings;
  settings.codes = {"98", "96"};
  settings.local_codes = {"E1"};
  settings.min_interval = seconds(60);
  std::vector<IncidentBatch> runs;
  Recorder recorder(settings, [&](const IncidentBatch& b) { runs.push_back(b); }, {});
  std::vector<jr::Entry> entries(4);
  entries[0].code = "00";
  entries[1].code = "51";  // a declined card: not an incident
  entries[2].code = "55";
  entries[3].code = "00";
  recorder.OnEntries(entries);
  EXPECT_FALSE(recorder.NextWake().has_value());
  entries[1].code = "E1";
  recorder.OnEntries(entries);
  ASSERT_TRUE(recorder.NextWake().has_value());
  recorder.OnWake(*recorder.NextWake());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].local);
  EXPECT_EQ(recorder.failures_seen(), 1u);
}

// An incident while the payment application is in a transaction (it holds [app] busy_lock): the
// devices it uses are left alone with the reason (the modem always; the printer and the card
// reader, which a failure on the terminal would check, too), the network is checked, and the run
// neither waits for the lock nor keeps one: the application's next transaction takes it at once.
TEST(IncidentRun, DuringATransactionTheApplicationsDevicesAreLeftAlone) {
  TempDir dir;
  for (const char* sub : {"dev", "log", "run"}) fs::create_directories(dir.path() / sub);
  const fs::path config = dir.path() / "posdiag.toml";
  std::ofstream(config) << "[system]\nroot = \"" << dir.path().string() << "\"\n"
                        << "[log]\ndir = \"" << (dir.path() / "log").string() << "\"\n"
                        << "[history]\ndir = \"" << (dir.path() / "history").string() << "\"\n"
                        << "[app]\nbusy_lock = \"/run/payapp.lock\"\n"
                        << "[modem]\nport = \"/dev/ttyMODEM\"\ntimeout_ms = 1000\n"
                        << "[printer]\nport = \"/dev/ttyPRINTER\"\ntimeout_ms = 1000\n"
                        << "[card_reader]\ntransport = \"serial\"\nport = \"/dev/ttyREADER\"\n"
                        << "timeout_ms = 1000\n"
                        << "[network]\npayment_host = \"127.0.0.1:9\"\ntls = false\n"
                        << "latency_attempts = 0\ntimeout_ms = 2000\n"
                        << "[journal]\npath = \"/var/spool/payapp/journal.jsonl\"\n";
  auto diagnoser = Diagnoser::Create(config.string());
  ASSERT_TRUE(diagnoser) << diagnoser.error().detail;
  Diagnoser& d = **diagnoser;
  const fs::path lock = dir.path() / "run" / "payapp.lock";
  io::UniqueFd app(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(app.valid());
  ASSERT_EQ(::flock(app.get(), LOCK_EX | LOCK_NB), 0);  // mid-transaction

  const auto probe = [](const Report& r, std::string_view name) {
    for (const auto& p : r.probes) {
      if (p.name == name) return p;
    }
    ADD_FAILURE() << "no " << name << " probe in the report";
    return ProbeOutcome{};
  };
  IncidentInfo info;
  info.code = "98";
  info.time_s = info.first_s = info.last_s = 1796531460;
  for (const bool local : {false, true}) {
    SCOPED_TRACE(local ? "a failure on the terminal" : "a failure on the way to the host");
    info.local = local;
    const Report report = d.RunIncident(info, {});
    EXPECT_EQ(report.kind, "incident");
    const ProbeOutcome modem = probe(report, "modem");
    EXPECT_EQ(modem.status, ProbeStatus::kSkipped);
    EXPECT_EQ(modem.error,
              "a transaction is in progress (/run/payapp.lock is locked): the payment application "
              "holds it");
    for (const char* name : {"printer", "card_reader"}) {
      const ProbeOutcome p = probe(report, name);
      EXPECT_EQ(p.status, ProbeStatus::kSkipped) << name;
      EXPECT_THAT(p.error, HasSubstr(local ? "the payment application holds it"
                                           : "the failure was not on the terminal"))
          << name;
    }
    EXPECT_NE(probe(report, "network").status, ProbeStatus::kSkipped);
  }
  // The transaction ends; the next one takes the lock at once: no run holds it.
  ASSERT_EQ(::flock(app.get(), LOCK_UN), 0);
  io::UniqueFd next(::open(lock.c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(next.valid());
  EXPECT_EQ(::flock(next.get(), LOCK_EX | LOCK_NB), 0);
  ASSERT_EQ(::flock(next.get(), LOCK_UN), 0);

  // No transaction: a failure on the terminal checks the modem, the printer and the reader.
  info.local = true;
  const Report idle = d.RunIncident(info, {});
  for (const char* name : {"modem", "printer", "card_reader"}) {
    EXPECT_NE(probe(idle, name).status, ProbeStatus::kSkipped) << name;
  }
}

// A device with a probe, and what an incident may do with it.
class UseDevice : public Device {
 public:
  class NamedProbe : public Probe {
   public:
    explicit NamedProbe(std::string name) : name_(std::move(name)) {}
    std::string_view Name() const override { return name_; }
    LevelMask Levels() const override { return kAllLevels; }
    std::vector<rules::FactSpec> Facts() const override { return {}; }
    Support CheckSupport(const ProbeContext&) override { return {}; }
    Result<void> Measure(const ProbeContext&, FactWriter&) override { return {}; }

   private:
    std::string name_;
  };
  UseDevice(std::string name, IncidentUse use) : name_(std::move(name)), use_(use) {}
  std::string_view Name() const override { return name_; }
  std::vector<SectionSpec> ConfigSections() const override { return {}; }
  std::shared_ptr<Probe> MakeProbe() const override { return std::make_shared<NamedProbe>(name_); }
  IncidentUse Incident() const override { return use_; }

 private:
  std::string name_;
  IncidentUse use_;
};

Registry UsesRegistry() {
  return BuildRegistry({std::make_shared<UseDevice>("always", IncidentUse::kMeasure),
                        std::make_shared<UseDevice>("shared", IncidentUse::kNotWhileHeld),
                        std::make_shared<UseDevice>("local", IncidentUse::kOnlyLocal),
                        std::make_shared<UseDevice>("never", IncidentUse::kNever)});
}

TEST(IncidentSkips, EachDeviceSaysWhatAnIncidentMayDoWithIt) {
  const Registry registry = UsesRegistry();
  EXPECT_THAT(IncidentSkips(registry, /*local=*/true, std::nullopt),
              ElementsAre(Pair("never", ::testing::HasSubstr("screen and card slots"))));
  EXPECT_THAT(
      IncidentSkips(registry, /*local=*/false, std::nullopt),
      ElementsAre(Pair("local", ::testing::HasSubstr("not on the terminal")), Key("never")));
  const std::string busy = "a transaction is in progress (/run/pay.lock is locked)";
  EXPECT_THAT(IncidentSkips(registry, /*local=*/true, busy),
              ElementsAre(Pair("local", busy + ": the payment application holds it"), Key("never"),
                          Pair("shared", busy + ": the payment application holds it")));
  EXPECT_THAT(IncidentSkips(registry, /*local=*/false, busy),
              ElementsAre(Key("local"), Key("never"), Key("shared")));
}

// The built-in devices leave alone what the recorder always left alone: the screen and the card
// slots; the printer and the reader unless the failure was local; those and the modem while a
// transaction holds them.
TEST(IncidentSkips, TheBuiltInDevicesLeaveThePaymentApplicationsDevicesAlone) {
  const Registry& registry = Devices();
  EXPECT_THAT(IncidentSkips(registry, true, std::nullopt),
              ElementsAre(Key("display"), Key("magstripe")));
  EXPECT_THAT(IncidentSkips(registry, false, std::nullopt),
              ElementsAre(Key("card_reader"), Key("display"), Key("magstripe"), Key("printer")));
  EXPECT_THAT(IncidentSkips(registry, true, std::string("busy")),
              ElementsAre(Key("card_reader"), Key("display"), Key("magstripe"), Key("modem"),
                          Key("printer")));
}

}  // namespace
}  // namespace posdiag::agent
