#include "agent/sinks/log_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/sink.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "agent/sinks/sample_report.h"
#include "agent/sinks/temp_dir.h"

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
  EXPECT_THAT(lines[0],
              ::testing::MatchesRegex(
                  "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z .*"));

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

}  // namespace
}  // namespace posdiag::agent
