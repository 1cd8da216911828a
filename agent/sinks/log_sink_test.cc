#include "agent/sinks/log_sink.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <spdlog/sinks/sink.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "agent/sinks/sample_report.h"
#include "agent/sinks/temp_dir.h"

// The log's syncs, counted: this definition stands in for libc's in this test program (the sink
// is linked in statically) and makes the same system call.
namespace {
std::atomic<int> g_fdatasyncs{0};
}  // namespace
extern "C" int fdatasync(int fd) {
  ++g_fdatasyncs;
  return static_cast<int>(::syscall(SYS_fdatasync, fd));
}

namespace posdiag::agent {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Splits "<time> <level> <event> k=v k="v v" ..." back into fields, undoing LogValue's escapes.
struct Event {
  std::string level;
  std::string name;
  std::map<std::string, std::string> fields;
};

Event ParseLine(const std::string& line) {
  Event e;
  std::size_t i = line.find(' ');
  const std::size_t level_end = line.find(' ', i + 1);
  e.level = line.substr(i + 1, level_end - i - 1);
  i = line.find(' ', level_end + 1);
  e.name = line.substr(level_end + 1, i - level_end - 1);
  while (i != std::string::npos && i < line.size()) {
    ++i;  // the space
    const std::size_t eq = line.find('=', i);
    if (eq == std::string::npos) break;
    const std::string key = line.substr(i, eq - i);
    std::string value;
    std::size_t j = eq + 1;
    if (j < line.size() && line[j] == '"') {
      for (++j; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size()) {
          const char c = line[++j];
          if (c == 'n') {
            value += '\n';
          } else if (c == 'r') {
            value += '\r';
          } else if (c == 't') {
            value += '\t';
          } else if (c == 'x') {
            value += static_cast<char>(std::stoi(line.substr(j + 1, 2), nullptr, 16));
            j += 2;
          } else {
            value += c;
          }
        } else {
          value += line[j];
        }
      }
      ++j;  // the closing quote
    } else {
      while (j < line.size() && line[j] != ' ') value += line[j++];
    }
    e.fields[key] = value;
    i = j;
  }
  return e;
}

std::vector<Event> Events(const fs::path& path, const std::string& name) {
  std::vector<Event> events;
  for (const auto& line : ReadLines(path)) {
    Event e = ParseLine(line);
    if (e.name == name) events.push_back(std::move(e));
  }
  return events;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteAll(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

constexpr char kTimestamp[] = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z ";

LogOptions Quiet(const fs::path& dir) {
  LogOptions options;
  options.dir = dir;
  options.stderr_level = spdlog::level::off;
  return options;
}

TEST(LogValueTest, QuotesAndEscapesOnlyWhenNeeded) {
  EXPECT_EQ(LogValue("power.battery_low"), "power.battery_low");
  EXPECT_EQ(LogValue("电池"), "电池");
  EXPECT_EQ(LogValue(""), "\"\"");
  EXPECT_EQ(LogValue("two words"), "\"two words\"");
  EXPECT_EQ(LogValue("a=b"), "\"a=b\"");
  EXPECT_EQ(LogValue("say \"hi\"\n\tnext\r\\"), "\"say \\\"hi\\\"\\n\\tnext\\r\\\\\"");
  EXPECT_EQ(LogValue(std::string("nul\0esc\x1b", 8)), "\"nul\\x00esc\\x1B\"");
  EXPECT_EQ(LogValue("pan 4111111111111111"), "\"pan 411111******1111\"");
  EXPECT_EQ(LogValue("\xFF"), "\xEF\xBF\xBD");
}

TEST(LogSinkTest, OneLinePerFindingProbeAndRun) {
  testing::TempDir dir;
  auto logger = MakeLogger(Quiet(dir.path() / "log"));
  ASSERT_TRUE(logger.ok()) << logger.error().Message();
  LogSink sink(*logger);
  EXPECT_EQ(sink.Name(), "log");
  ASSERT_TRUE(sink.Write(testing::SampleReport()).ok());

  const fs::path file = dir.path() / "log" / "posdiag.log";
  const auto lines = ReadLines(file);
  ASSERT_THAT(lines, SizeIs(4 + 4 + 1));  // 3 findings + 1 suppressed, 4 probes not ok, 1 run
  EXPECT_THAT(lines[0], ::testing::MatchesRegex(std::string(kTimestamp) + ".*"));

  const auto findings = Events(file, "finding");
  ASSERT_THAT(findings, SizeIs(4));
  std::map<std::string, Event> by_rule;
  for (const auto& f : findings) by_rule[f.fields.at("rule")] = f;
  const Event& low = by_rule.at("power.battery_low");
  EXPECT_EQ(low.level, "warning");  // a finding is not an error of posdiag: not on stderr
  EXPECT_EQ(low.fields, (std::map<std::string, std::string>{{"report", "1234-567M"},
                                                            {"rule", "power.battery_low"},
                                                            {"code", "E1"},
                                                            {"severity", "error"},
                                                            {"component", "power"},
                                                            {"suppressed_by", ""},
                                                            {"title", "Battery low"}}));
  EXPECT_EQ(by_rule.at("system.overheat").level, "warning");
  EXPECT_EQ(by_rule.at("printer.paper_near_end").level, "warning");
  const Event& symptom = by_rule.at("power.battery_warn");
  EXPECT_EQ(symptom.fields.at("suppressed_by"), "power.battery_low");
  EXPECT_EQ(symptom.level, "info");

  const auto probes = Events(file, "probe");
  ASSERT_THAT(probes, SizeIs(4));
  std::map<std::string, Event> by_name;
  for (const auto& p : probes) by_name[p.fields.at("name")] = p;
  EXPECT_FALSE(by_name.contains("power"));  // ok probes are not events
  EXPECT_EQ(by_name.at("printer").fields.at("status"), "error");
  EXPECT_EQ(by_name.at("printer").fields.at("error"), "open /dev/ttyS1: permission denied");
  EXPECT_EQ(by_name.at("card_reader").fields.at("status"), "timeout");
  EXPECT_EQ(by_name.at("card_reader").level, "warning");
  EXPECT_EQ(by_name.at("modem").fields.at("status"), "not_configured");
  EXPECT_EQ(by_name.at("modem").level, "info");
  EXPECT_EQ(by_name.at("display").fields.at("status"), "unsupported");

  const auto runs = Events(file, "run");
  ASSERT_THAT(runs, SizeIs(1));
  EXPECT_EQ(runs[0].level, "warning");
  EXPECT_EQ(runs[0].fields.at("report"), "1234-567M");
  EXPECT_EQ(runs[0].fields.at("status"), "critical");
  EXPECT_EQ(runs[0].fields.at("level"), "engineer");
  EXPECT_EQ(runs[0].fields.at("exit"), "2");
  EXPECT_EQ(runs[0].fields.at("findings"), "3");
  EXPECT_EQ(runs[0].fields.at("suppressed"), "1");
  EXPECT_EQ(runs[0].fields.at("probes_not_ok"), "4");
  EXPECT_EQ(runs[0].fields.at("started_at"), "2026-11-21T05:40:49.123Z");
  EXPECT_EQ(runs[0].fields.at("kind"), "selftest");
  EXPECT_FALSE(runs[0].fields.contains("code"));  // only an incident is about a payment
  EXPECT_FALSE(runs[0].fields.contains("failures"));
}

// An engineer reading the log tells an incident from a key press, and sees which payments it is
// about, on the run line itself.
TEST(LogSinkTest, TheRunLineMarksAnIncident) {
  testing::TempDir dir;
  auto logger = MakeLogger(Quiet(dir.path() / "log"));
  ASSERT_TRUE(logger.ok()) << logger.error().Message();
  LogSink sink(*logger);
  Report incident = testing::SampleReport(Level::kMerchant);
  incident.kind = "incident";
  incident.incident = IncidentInfo{};
  incident.incident->code = "98";
  incident.incident->failures = 3;
  Report key = testing::SampleReport(Level::kMerchant);
  key.report_id = "7KQ2-M9X4";
  key.kind = "key";
  ASSERT_TRUE(sink.Write(incident).ok());
  ASSERT_TRUE(sink.Write(key).ok());

  const auto runs = Events(dir.path() / "log" / "posdiag.log", "run");
  ASSERT_THAT(runs, SizeIs(2));
  EXPECT_EQ(runs[0].fields.at("report"), "1234-567M");
  EXPECT_EQ(runs[0].fields.at("kind"), "incident");
  EXPECT_EQ(runs[0].fields.at("code"), "98");
  EXPECT_EQ(runs[0].fields.at("failures"), "3");
  EXPECT_EQ(runs[1].fields.at("kind"), "key");
  EXPECT_FALSE(runs[1].fields.contains("code"));
  // The scripts that find a run by "run report=ID level=LEVEL" still find it.
  EXPECT_THAT(ReadAll(dir.path() / "log" / "posdiag.log"),
              HasSubstr(" run report=1234-567M level=merchant kind=incident code=98 failures=3 "));
}

TEST(LogSinkTest, OneEventIsAlwaysOneLine) {
  testing::TempDir dir;
  auto logger = MakeLogger(Quiet(dir.path()));
  ASSERT_TRUE(logger.ok());
  Report r = testing::SampleReport();
  const std::string nasty = "line one\nline \"two\"\r\n\tend \\ ;6222021234567894=2512?";
  r.probes[1].error = nasty;
  ASSERT_TRUE(LogSink(*logger).Write(r).ok());

  const fs::path file = dir.path() / "posdiag.log";
  EXPECT_THAT(ReadLines(file), SizeIs(9));
  for (const auto& p : Events(file, "probe")) {
    if (p.fields.at("name") != "printer") continue;
    EXPECT_EQ(p.fields.at("error"),
              "line one\nline \"two\"\r\n\tend \\ ;622202******7894[track data removed]");
  }
  std::ifstream in(file);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(all, ::testing::Not(HasSubstr("6222021234567894")));
}

TEST(LogSinkTest, RotationKeepsTheLogBounded) {
  testing::TempDir dir;
  LogOptions options = Quiet(dir.path());
  options.max_bytes = 2048;
  options.max_files = 3;
  auto logger = MakeLogger(options);
  ASSERT_TRUE(logger.ok());
  LogSink sink(*logger);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(sink.Write(testing::SampleReport()).ok());

  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
    EXPECT_LE(fs::file_size(entry.path()), options.max_bytes) << entry.path();
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"posdiag.1.log", "posdiag.2.log", "posdiag.log"}));
  // The newest run is in the current file.
  EXPECT_THAT(Events(dir.path() / "posdiag.log", "run"), ::testing::Not(::testing::IsEmpty()));
}

TEST(LogSinkTest, ASingleFileIsTruncatedInsteadOfRotated) {
  testing::TempDir dir;
  LogOptions options = Quiet(dir.path());
  options.max_bytes = 1024;
  options.max_files = 1;
  auto logger = MakeLogger(options);
  ASSERT_TRUE(logger.ok());
  LogSink sink(*logger);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(sink.Write(testing::SampleReport()).ok());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
  EXPECT_LE(fs::file_size(dir.path() / "posdiag.log"), 1024u);
}

TEST(LogSinkTest, AnUnusableDirectoryIsAnError) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "plain-file") << "x";
  // Root ignores permissions, but nothing can create a directory under a regular file.
  Result<std::shared_ptr<spdlog::logger>> logger = Error{ErrorKind::kIo, ""};
  ASSERT_NO_THROW(logger = MakeLogger(Quiet(dir.path() / "plain-file" / "log")));
  ASSERT_FALSE(logger.ok());
  EXPECT_THAT(logger.error().Message(), HasSubstr("plain-file"));

  // A directory where the log file should be: spdlog throws, MakeLogger returns an Error.
  fs::create_directories(dir.path() / "taken" / "posdiag.log");
  ASSERT_NO_THROW(logger = MakeLogger(Quiet(dir.path() / "taken")));
  ASSERT_FALSE(logger.ok());
  EXPECT_THAT(logger.error().Message(), HasSubstr("log: open"));
}

TEST(LogSinkTest, BadOptionsAreInvalid) {
  testing::TempDir dir;
  for (auto change : std::vector<void (*)(LogOptions&)>{
           [](LogOptions& o) { o.dir.clear(); }, [](LogOptions& o) { o.max_bytes = 10; },
           [](LogOptions& o) { o.max_files = 0; }, [](LogOptions& o) { o.max_files = 101; },
           [](LogOptions& o) { o.file_name = "a/b.log"; },
           [](LogOptions& o) { o.file_name = ""; }}) {
    LogOptions options = Quiet(dir.path());
    change(options);
    const auto logger = MakeLogger(options);
    ASSERT_FALSE(logger.ok());
    EXPECT_EQ(logger.error().kind, ErrorKind::kInvalid);
  }
}

TEST(LogSinkTest, AFailedWriteIsReturnedNotThrown) {
  testing::TempDir dir;
  LogOptions options = Quiet(dir.path());
  options.max_bytes = 512;
  options.max_files = 2;
  auto logger = MakeLogger(options);
  ASSERT_TRUE(logger.ok());
  // Rotation renames posdiag.log to posdiag.1.log; a non-empty directory there makes it fail.
  fs::create_directories(dir.path() / "posdiag.1.log" / "occupied");
  LogSink sink(*logger);
  Result<void> written = Ok();
  ASSERT_NO_THROW(written = sink.Write(testing::SampleReport()));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().kind, ErrorKind::kIo);
  EXPECT_THAT(written.error().Message(), HasSubstr("failed renaming"));

  // Once the obstacle is gone the next report is written and the error is not repeated.
  fs::remove_all(dir.path() / "posdiag.1.log");
  const auto again = sink.Write(testing::SampleReport(Level::kBoot));
  EXPECT_TRUE(again.ok()) << again.error().Message();
}

TEST(LogSinkTest, NullLoggerIsAnError) {
  LogSink sink(nullptr);
  EXPECT_FALSE(sink.Write(testing::SampleReport()).ok());
}

TEST(LogSinkTest, StderrCopyCanBeEnabled) {
  testing::TempDir dir;
  LogOptions options;
  options.dir = dir.path();
  options.stderr_level = spdlog::level::critical;
  auto logger = MakeLogger(options);
  ASSERT_TRUE(logger.ok());
  EXPECT_EQ((*logger)->sinks().size(), 2u);
  EXPECT_EQ((*logger)->sinks()[1]->level(), spdlog::level::critical);
  EXPECT_EQ(MakeLogger(Quiet(dir.path())).value()->sinks().size(), 1u);
}

// The log cannot be turned against another file: whatever is planted where it goes.
class PlantedLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(log_dir_);
    WriteAll(target_, kPrecious);
  }
  // MakeLogger must refuse what is at <log>/posdiag.log, with kPermission naming `what`.
  void ExpectRefused(const std::string& what) {
    Result<std::shared_ptr<spdlog::logger>> logger = Error{ErrorKind::kIo, ""};
    ASSERT_NO_THROW(logger = MakeLogger(Quiet(log_dir_)));
    ASSERT_FALSE(logger.ok()) << what;
    EXPECT_EQ(logger.error().kind, ErrorKind::kPermission) << logger.error().Message();
    EXPECT_THAT(logger.error().Message(), HasSubstr("log: open"));
    EXPECT_THAT(logger.error().Message(), HasSubstr((log_dir_ / "posdiag.log").string()));
    EXPECT_THAT(logger.error().Message(), HasSubstr(what));
  }

  static constexpr char kPrecious[] = "root:x:0:0:root:/root:/bin/sh\n";
  testing::TempDir dir_;
  fs::path log_dir_ = dir_.path() / "log";
  fs::path target_ = dir_.path() / "precious";
};

TEST_F(PlantedLogTest, ASymlinkIsRefusedAndItsTargetStaysByteIdentical) {
  fs::create_symlink(target_, log_dir_ / "posdiag.log");
  ExpectRefused("a symbolic link");
  EXPECT_EQ(ReadAll(target_), kPrecious);
  EXPECT_TRUE(fs::is_symlink(log_dir_ / "posdiag.log"));

  // A dangling link is refused too: nothing is created where it points.
  fs::remove(log_dir_ / "posdiag.log");
  fs::create_symlink(dir_.path() / "not-yet", log_dir_ / "posdiag.log");
  ExpectRefused("a symbolic link");
  EXPECT_FALSE(fs::exists(dir_.path() / "not-yet"));
}

TEST_F(PlantedLogTest, AFifoIsRefusedWithoutWaitingForAReader) {
  ASSERT_EQ(::mkfifo((log_dir_ / "posdiag.log").c_str(), 0600), 0) << std::strerror(errno);
  ExpectRefused("a FIFO");
}

TEST_F(PlantedLogTest, ADeviceIsRefusedWithoutBeingOpened) {
  // A node for /dev/null's device: refused by its type before any open.
  if (::mknod((log_dir_ / "posdiag.log").c_str(), S_IFCHR | 0600, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "cannot make a device node here: " << std::strerror(errno);
  }
  ExpectRefused("a device");
}

TEST_F(PlantedLogTest, AFileOfAnotherOwnerIsRefusedAndLeftAsItWas) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to give the file to another user";
  WriteAll(log_dir_ / "posdiag.log", kPrecious);
  ASSERT_EQ(::chown((log_dir_ / "posdiag.log").c_str(), 65534, 65534), 0);
  ExpectRefused("owned by uid 65534");
  EXPECT_EQ(ReadAll(log_dir_ / "posdiag.log"), kPrecious);
}

TEST_F(PlantedLogTest, ARotatedNameThatIsASymlinkStopsTheRotationNotTheRun) {
  LogOptions options = Quiet(log_dir_);
  options.max_bytes = 1024;
  options.max_files = 3;
  auto logger = MakeLogger(options);
  ASSERT_TRUE(logger.ok()) << logger.error().Message();
  fs::create_symlink(target_, log_dir_ / "posdiag.2.log");
  LogSink sink(*logger);
  bool refused = false;
  for (int i = 0; i < 5; ++i) {
    Result<void> written = Ok();
    ASSERT_NO_THROW(written = sink.Write(testing::SampleReport()));
    if (written.ok()) continue;
    refused = true;
    EXPECT_THAT(written.error().Message(), HasSubstr("failed renaming"));
    EXPECT_THAT(written.error().Message(), HasSubstr("posdiag.2.log: a symbolic link"));
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(ReadAll(target_), kPrecious);
  EXPECT_TRUE(fs::is_symlink(log_dir_ / "posdiag.2.log"));
  EXPECT_LE(fs::file_size(log_dir_ / "posdiag.log"), options.max_bytes);
}

TEST_F(PlantedLogTest, ARotatedFileOfAnotherOwnerIsNeitherRenamedNorReplaced) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to give the file to another user";
  LogOptions options = Quiet(log_dir_);
  options.max_bytes = 1024;
  options.max_files = 2;
  auto logger = MakeLogger(options);
  ASSERT_TRUE(logger.ok()) << logger.error().Message();
  WriteAll(log_dir_ / "posdiag.1.log", kPrecious);
  ASSERT_EQ(::chown((log_dir_ / "posdiag.1.log").c_str(), 65534, 65534), 0);
  LogSink sink(*logger);
  bool refused = false;
  for (int i = 0; i < 5; ++i) refused = !sink.Write(testing::SampleReport()).ok() || refused;
  EXPECT_TRUE(refused);
  EXPECT_EQ(ReadAll(log_dir_ / "posdiag.1.log"), kPrecious);
}

TEST(LogSinkTest, TwoWritersRotatingInTurnLoseNoLine) {
  // The daemon holds the log open while a boot self-test rotates it: the daemon's next rotation
  // finds the new file under the name and writes there, emptying nothing.
  testing::TempDir dir;
  LogOptions options = Quiet(dir.path());
  options.max_bytes = 4096;
  options.max_files = 10;
  auto daemon = MakeLogger(options);
  auto selftest = MakeLogger(options);
  ASSERT_TRUE(daemon.ok() && selftest.ok());
  int a = 0;
  while (!fs::exists(dir.path() / "posdiag.1.log") && a < 1000) {
    (*selftest)->info("selftest line {:04}", a++);
  }
  ASSERT_TRUE(fs::exists(dir.path() / "posdiag.1.log"));
  for (int b = 0; b < 150; ++b) (*daemon)->info("daemon line {:04}", b);
  for (int c = 0; c < 5; ++c) (*selftest)->info("selftest again {:04}", c);

  std::string all;
  for (const auto& entry : fs::directory_iterator(dir.path())) all += ReadAll(entry.path());
  for (int i = 0; i < a; ++i) {
    EXPECT_THAT(all, HasSubstr(fmt::format("selftest line {:04}\n", i)));
  }
  for (int i = 0; i < 150; ++i) EXPECT_THAT(all, HasSubstr(fmt::format("daemon line {:04}\n", i)));
  for (int i = 0; i < 5; ++i) EXPECT_THAT(all, HasSubstr(fmt::format("selftest again {:04}\n", i)));
}

TEST(LogSinkTest, AHalfLineLeftBehindIsEndedBeforeTheNextLine) {
  testing::TempDir dir;
  const std::string before = "2026-11-21T05:40:49.123Z warning run report=1234-56";
  WriteAll(dir.path() / "posdiag.log", before);
  auto logger = MakeLogger(Quiet(dir.path()));
  ASSERT_TRUE(logger.ok()) << logger.error().Message();
  (*logger)->info("first of this run");
  (*logger)->info("second");
  const std::string text = ReadAll(dir.path() / "posdiag.log");
  ASSERT_EQ(text.substr(0, before.size() + 1), before + "\n");
  const auto lines = ReadLines(dir.path() / "posdiag.log");
  ASSERT_THAT(lines, SizeIs(3));
  EXPECT_THAT(lines[1],
              ::testing::MatchesRegex(std::string(kTimestamp) + "info first of this run"));
  EXPECT_THAT(lines[2], ::testing::MatchesRegex(std::string(kTimestamp) + "info second"));

  // A file that ends on a line end gets nothing extra.
  logger = MakeLogger(Quiet(dir.path()));
  ASSERT_TRUE(logger.ok());
  (*logger)->info("third");
  EXPECT_EQ(ReadAll(dir.path() / "posdiag.log").find("\n\n"), std::string::npos);
  EXPECT_THAT(ReadLines(dir.path() / "posdiag.log"), SizeIs(4));
}

TEST(LogSinkTest, EveryLineIsInTheFileWhenItHasBeenLogged) {
  testing::TempDir dir;
  auto logger = MakeLogger(Quiet(dir.path()));
  ASSERT_TRUE(logger.ok());
  // No flush() call: an info line (a console login) must not wait in a buffer.
  (*logger)->info("console login user=engineer");
  EXPECT_THAT(ReadAll(dir.path() / "posdiag.log"), HasSubstr("info console login user=engineer\n"));
  (*logger)->warn("probe name=printer status=error");
  EXPECT_THAT(ReadAll(dir.path() / "posdiag.log"), HasSubstr("probe name=printer status=error\n"));
  // ... and is synced to the disk as it is logged, not when a buffer fills.
  EXPECT_EQ((*logger)->flush_level(), spdlog::level::info);
}

// A report's lines are written one by one and synced together, once; a line logged after it is
// synced alone again, as it is logged.
TEST(LogSinkTest, AReportsLinesAreSyncedOnce) {
  testing::TempDir dir;
  auto logger = MakeLogger(Quiet(dir.path()));
  ASSERT_TRUE(logger.ok());
  LogSink sink(*logger);
  const int before = g_fdatasyncs.load();
  ASSERT_TRUE(sink.Write(testing::SampleReport()).ok());
  EXPECT_EQ(g_fdatasyncs.load() - before, 1);
  EXPECT_THAT(ReadLines(dir.path() / "posdiag.log"), SizeIs(9));
  // Nothing written since: a flush (the self-test's after its history entry) syncs nothing.
  (*logger)->flush();
  EXPECT_EQ(g_fdatasyncs.load() - before, 1);
  (*logger)->info("console login user=engineer");
  EXPECT_EQ(g_fdatasyncs.load() - before, 2);
  (*logger)->flush();
  EXPECT_EQ(g_fdatasyncs.load() - before, 2);
}

// A real full disk: a small tmpfs, mounted in a child's own user and mount namespaces, filled to
// the last block while the log is open. The line cut short by ENOSPC is a sink error, and the
// next run's first line starts on a line of its own.
TEST(LogSinkTest, AFullDiskLeavesAHalfLineThatTheNextRunEnds) {
  testing::TempDir dir;
  const fs::path mount_point = dir.path() / "mnt";
  const fs::path out = dir.path() / "out";
  fs::create_directories(mount_point);
  fs::create_directories(out);
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe calls until the namespaces are set up; no gtest in the child.
    const auto skip = [&](const std::string& why) {
      WriteAll(out / "skip", why + ": " + std::strerror(errno));
      ::_exit(77);
    };
    const auto fail = [&](const std::string& why) {
      WriteAll(out / "fail", why);
      ::_exit(1);
    };
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) skip("unshare");
    WriteAll("/proc/self/setgroups", "deny");
    WriteAll("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1");
    WriteAll("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
    if (::mount("tmpfs", mount_point.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=32k") != 0) {
      skip("mount tmpfs");
    }
    struct statvfs vfs {};
    if (::statvfs(mount_point.c_str(), &vfs) != 0) fail("statvfs");
    const std::size_t block = vfs.f_bsize;

    LogOptions options = Quiet(mount_point / "log");
    auto logger = MakeLogger(options);
    if (!logger.ok()) fail(logger.error().Message());
    LogSink sink(*logger);
    (*logger)->info("before the disk filled");
    const auto first = static_cast<std::size_t>(fs::file_size(mount_point / "log" / "posdiag.log"));
    // Lines of one length that does not divide what is left of the block: one is cut short.
    const std::size_t prefix = first - std::strlen("before the disk filled");
    std::string filler_line = "x";
    while ((block - first) % (prefix + filler_line.size()) == 0 || filler_line.size() < 40) {
      filler_line += 'x';
    }
    {
      const int fd = ::open((mount_point / "filler").c_str(), O_WRONLY | O_CREAT, 0600);
      const std::string chunk(block, 'f');
      while (::write(fd, chunk.data(), chunk.size()) > 0) {
      }
      if (errno != ENOSPC) fail(std::string("filling: ") + std::strerror(errno));
      ::close(fd);
    }
    for (std::size_t i = 0; i < block / filler_line.size() + 2; ++i) {
      (*logger)->info("{}", filler_line);
    }
    const Result<void> written = sink.Write(testing::SampleReport());
    WriteAll(out / "error", written.ok() ? "" : written.error().Message());
    WriteAll(out / "cut", ReadAll(mount_point / "log" / "posdiag.log"));
    logger = Error{ErrorKind::kIo, ""};

    fs::remove(mount_point / "filler");
    auto next = MakeLogger(options);
    if (!next.ok()) fail(next.error().Message());
    (*next)->info("the next run");
    WriteAll(out / "after", ReadAll(mount_point / "log" / "posdiag.log"));
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    GTEST_SKIP() << "cannot mount a tmpfs in a user namespace here (" << ReadAll(out / "skip")
                 << ")";
  }
  ASSERT_EQ(WEXITSTATUS(status), 0) << ReadAll(out / "fail");

  EXPECT_THAT(ReadAll(out / "error"), HasSubstr("No space left on device"));
  const std::string cut = ReadAll(out / "cut");
  ASSERT_FALSE(cut.empty());
  ASSERT_NE(cut.back(), '\n') << "the full disk cut no line short";
  const std::string after = ReadAll(out / "after");
  ASSERT_EQ(after.substr(0, cut.size()), cut);
  EXPECT_THAT(after.substr(cut.size()),
              ::testing::MatchesRegex("\n" + std::string(kTimestamp) + "info the next run\n"));
}

}  // namespace
}  // namespace posdiag::agent
