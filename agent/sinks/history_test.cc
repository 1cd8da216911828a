#include "agent/sinks/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <latch>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "agent/report_id.h"
#include "agent/sinks/json_report.h"
#include "agent/sinks/sample_report.h"
#include "agent/sinks/temp_dir.h"

namespace posdiag::agent {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<std::string> Names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> EntryNames(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& n : Names(dir)) {
    if (n.ends_with(".json")) names.push_back(n);
  }
  return names;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A report with its own ID and time, `minutes` after the sample's.
Report NthReport(int minutes, Level level = Level::kMerchant) {
  Report r = testing::SampleReport(level);
  r.report_id = NewReportId();
  r.started_at += std::chrono::minutes(minutes);
  return r;
}

TEST(HistoryTest, SavesTheJsonReportUnderASortableName) {
  testing::TempDir dir;
  HistoryStore store(dir.path() / "history");  // created on first save
  const Report report = testing::SampleReport();
  ASSERT_TRUE(store.Save(report).ok());
  const auto names = Names(dir.path() / "history");
  ASSERT_THAT(names, ElementsAre("0000000001-20261121T054049.123Z-1234567M.json"));
  EXPECT_EQ(ReadFile(dir.path() / "history" / names[0]), RenderJson(report));
}

TEST(HistoryTest, LoadsNewestFirstWithTheFieldsTheListingNeeds) {
  testing::TempDir dir;
  HistoryStore store(dir.path());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    Report r = NthReport(i);
    ids.push_back(r.report_id);
    ASSERT_TRUE(store.Save(r).ok());
  }
  const Listing listing = store.Load();
  EXPECT_THAT(listing.problems, IsEmpty());
  ASSERT_THAT(listing.entries, SizeIs(3));
  EXPECT_EQ(listing.entries[0].report_id, ids[2]);
  EXPECT_EQ(listing.entries[2].report_id, ids[0]);
  const HistoryEntry& e = listing.entries[0];
  EXPECT_EQ(e.started_at, "2026-11-21T05:42:49.123Z");
  EXPECT_EQ(e.level, "merchant");
  EXPECT_EQ(e.status, "critical");
  EXPECT_THAT(e.rules, ElementsAre("system.overheat", "power.battery_low", "printer.paper_near_end",
                                   "power.battery_warn"));
  EXPECT_THAT(e.codes, ElementsAre("E1", "P6"));
  EXPECT_TRUE(fs::exists(e.file));
  EXPECT_EQ(fs::path(e.file).parent_path(), dir.path());
}

TEST(HistoryTest, KeepsOnlyTheNewestN) {
  testing::TempDir dir;
  HistoryStore store(dir.path(), 5);
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    Report r = NthReport(i);
    ids.push_back(r.report_id);
    ASSERT_TRUE(store.Save(r).ok());
  }
  const auto names = EntryNames(dir.path());
  ASSERT_THAT(names, SizeIs(5));
  EXPECT_EQ(names.front().substr(0, 10), "0000000008");
  EXPECT_EQ(names.back().substr(0, 10), "0000000012");
  const Listing listing = store.Load();
  ASSERT_THAT(listing.entries, SizeIs(5));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(listing.entries[i].report_id, ids[11 - i]);
}

// An incident report, as the recorder saves one.
Report NthIncident(int minutes) {
  Report r = NthReport(minutes);
  r.kind = "incident";
  IncidentInfo info;
  info.time_s = 1'795'000'000 + minutes * 60;
  info.code = "98";
  info.first_s = info.time_s;
  info.last_s = info.time_s;
  r.incident = info;
  return r;
}

TEST(HistoryTest, ALoadHoldsOnlyTheNewestEntriesItsCallerWants) {
  testing::TempDir dir;
  HistoryStore store(dir.path(), 100);
  std::vector<std::string> incidents;
  for (int i = 0; i < 40; ++i) {
    const Report r = i % 10 == 3 ? NthIncident(i) : NthReport(i);
    if (r.incident) incidents.push_back(r.report_id);
    ASSERT_TRUE(store.Save(r).ok());
  }
  const auto is_incident = [](const HistoryEntry& e) { return e.incident.has_value(); };
  const Listing wanted = store.Load(store.keep(), is_incident);
  EXPECT_THAT(wanted.problems, IsEmpty());
  ASSERT_THAT(wanted.entries, SizeIs(4));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(wanted.entries[i].report_id, incidents[3 - i]);
  EXPECT_THAT(store.Load(2, is_incident).entries, SizeIs(2));
  const Listing newest = store.Load(3);
  ASSERT_THAT(newest.entries, SizeIs(3));
  EXPECT_EQ(newest.entries[0].report_id, store.Load().entries[0].report_id);
}

TEST(HistoryTest, AFilteredLoadReadsNoFurtherBackThanKeep) {
  testing::TempDir dir;
  ASSERT_TRUE(HistoryStore(dir.path(), 10).Save(NthIncident(0)).ok());
  HistoryStore store(dir.path(), 3);  // keep lowered since: the incident is beyond it
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(HistoryStore(dir.path(), 10).Save(NthReport(i)).ok());
  EXPECT_THAT(store.Load(3, [](const HistoryEntry& e) { return e.incident.has_value(); }).entries,
              IsEmpty());
}

TEST(HistoryTest, AWrongClockDoesNotMakeTheNewestReportTheOldest) {
  testing::TempDir dir;
  HistoryStore store(dir.path(), 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.Save(NthReport(i)).ok());
  Report reset = NthReport(0);
  reset.started_at = {};  // a dead clock battery: 1970
  ASSERT_TRUE(store.Save(reset).ok());
  const Listing listing = store.Load();
  ASSERT_THAT(listing.entries, SizeIs(3));
  EXPECT_EQ(listing.entries[0].report_id, reset.report_id);
  EXPECT_EQ(listing.entries[0].started_at, "1970-01-01T00:00:00.000Z");
}

TEST(HistoryTest, AnInterruptedSaveLeavesSavedEntriesIntactAndIsCleanedUp) {
  testing::TempDir dir;
  HistoryStore store(dir.path());
  ASSERT_TRUE(store.Save(NthReport(0)).ok());
  const std::string saved_name = EntryNames(dir.path()).at(0);
  const std::string saved_text = ReadFile(dir.path() / saved_name);

  // What a power cut mid-write leaves: a partial temp file beside the saved entry.
  const fs::path temp = dir.path() / ".0000000002-20261121T055049.123Z-ABCD1234.json.4242.tmp";
  WriteFile(temp, saved_text.substr(0, saved_text.size() / 2));
  const Listing before = store.Load();
  EXPECT_THAT(before.problems, IsEmpty());
  ASSERT_THAT(before.entries, SizeIs(1));
  EXPECT_EQ(ReadFile(dir.path() / saved_name), saved_text);

  // A save holds the directory's lock while it writes, so under the lock every temp file is one
  // that will never be finished, however fresh it is (a daemon killed a minute ago in a restart
  // loop) or however far ahead its time (written before the clock was set back): the next save
  // removes it.
  ASSERT_TRUE(store.Save(NthReport(1)).ok());
  EXPECT_FALSE(fs::exists(temp));
  WriteFile(temp, saved_text.substr(0, 10));
  fs::last_write_time(temp, fs::file_time_type::clock::now() + std::chrono::hours(7));
  ASSERT_TRUE(store.Save(NthReport(2)).ok());
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(ReadFile(dir.path() / saved_name), saved_text);
  EXPECT_THAT(store.Load().entries, SizeIs(3));
  // No temp file of our own is left behind.
  for (const auto& n : Names(dir.path())) EXPECT_FALSE(n.ends_with(".tmp")) << n;
}

TEST(HistoryTest, CorruptAndTruncatedEntriesAreSetAsideAndReported) {
  testing::TempDir dir;
  HistoryStore store(dir.path());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store.Save(NthReport(i)).ok());
  const auto names = EntryNames(dir.path());
  const std::string text = ReadFile(dir.path() / names[1]);
  WriteFile(dir.path() / names[1], text.substr(0, text.size() - 40));   // truncated
  WriteFile(dir.path() / names[2], std::string("\x00\x01garbage", 9));  // not JSON at all
  WriteFile(dir.path() / names[3], R"({"schema":"posdiag.report/1","report_id":7})");

  const Listing listing = store.Load();
  ASSERT_THAT(listing.entries, SizeIs(1));
  ASSERT_THAT(listing.problems, SizeIs(3));
  EXPECT_THAT(listing.problems[0], HasSubstr(names[3]));
  EXPECT_THAT(listing.problems[0], HasSubstr("\"report_id\" is not a string"));
  EXPECT_THAT(listing.problems[0], HasSubstr("set aside as " + names[3] + ".corrupt"));
  EXPECT_THAT(listing.problems[2], HasSubstr("not valid JSON"));
  for (int i = 1; i <= 3; ++i) {
    EXPECT_FALSE(fs::exists(dir.path() / names[i]));
    EXPECT_TRUE(fs::exists(dir.path() / (names[i] + ".corrupt")));
  }
  // Set aside once: the next load is clean, and the next save continues the sequence.
  EXPECT_THAT(store.Load().problems, IsEmpty());
  ASSERT_TRUE(store.Save(NthReport(9)).ok());
  EXPECT_EQ(EntryNames(dir.path()).back().substr(0, 10), "0000000005");
  EXPECT_THAT(store.Load().entries, SizeIs(2));
}

TEST(HistoryTest, CorruptFilesDoNotCountTowardsKeepAndAreBounded) {
  testing::TempDir dir;
  HistoryStore store(dir.path(), 2);
  for (int i = 0; i < 14; ++i) {
    ASSERT_TRUE(store.Save(NthReport(i)).ok());
    const auto names = EntryNames(dir.path());
    WriteFile(dir.path() / names.back(), "{");
    EXPECT_THAT(store.Load().problems, SizeIs(1));
  }
  ASSERT_TRUE(store.Save(NthReport(20)).ok());
  ASSERT_TRUE(store.Save(NthReport(21)).ok());
  EXPECT_THAT(store.Load().entries, SizeIs(2));
  std::size_t corrupt = 0;
  for (const auto& n : Names(dir.path())) corrupt += n.ends_with(".corrupt") ? 1 : 0;
  EXPECT_EQ(corrupt, 10u);
}

TEST(HistoryTest, OversizedEntryIsSetAside) {
  testing::TempDir dir;
  HistoryStore store(dir.path());
  ASSERT_TRUE(store.Save(NthReport(0)).ok());
  const auto name = EntryNames(dir.path()).at(0);
  fs::resize_file(dir.path() / name, kMaxHistoryFileBytes + 1);
  const Listing listing = store.Load();
  EXPECT_THAT(listing.entries, IsEmpty());
  ASSERT_THAT(listing.problems, SizeIs(1));
  EXPECT_THAT(listing.problems[0], HasSubstr("larger than"));
}

// Anything at `path`, a link included (fs::exists follows links).
bool Present(const fs::path& path) {
  return fs::symlink_status(path).type() != fs::file_type::not_found;
}

// A valid report ID's eight symbols with the check symbol changed.
std::string IdWithBadCheck() {
  std::string id = NewReportId();
  id.erase(4, 1);
  id.back() = id.back() == '0' ? '1' : '0';
  return id;
}

TEST(HistoryTest, NamesPosdiagDoesNotWriteAreNeverNumberedAndAreSetAside) {
  testing::TempDir dir;
  HistoryStore store(dir.path(), 5);
  // Each holds a good report: only the name is wrong.
  const std::string report = RenderJson(NthReport(0));
  const std::string huge = "9999999999-20261206T000000.000Z-JUNKJUNK.json";
  const std::string bad_check = "0000000007-20261121T054049.123Z-" + IdWithBadCheck() + ".json";
  const std::string bad_time = "0000000008-2026-11-21T05:40-1234567M.json";
  const std::string linked = "0000000009-20261121T054049.123Z-1234567M.json";
  for (const auto& name : {huge, bad_check, bad_time, std::string("notes.txt")}) {
    WriteFile(dir.path() / name, report);
  }
  // An entry's name on a link: never read through, never numbered.
  WriteFile(dir.path() / "elsewhere", report);
  fs::create_directories(dir.path() / "sub");
  fs::rename(dir.path() / "elsewhere", dir.path() / "sub" / "elsewhere");
  fs::create_symlink(dir.path() / "sub" / "elsewhere", dir.path() / linked);
  WriteFile(dir.path() / ".hidden", "left alone");

  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(store.Save(NthReport(i)).ok());
  const auto saved = EntryNames(dir.path());
  std::vector<std::string> ours;
  for (const auto& n : saved) {
    if (HistorySequence(n) >= 0 && !fs::is_symlink(dir.path() / n)) ours.push_back(n.substr(0, 10));
  }
  EXPECT_THAT(ours, ElementsAre("0000000001", "0000000002", "0000000003"));

  const Listing listing = store.Load();
  EXPECT_FALSE(listing.error.has_value());
  EXPECT_THAT(listing.entries, SizeIs(3));
  ASSERT_THAT(listing.problems, SizeIs(5)) << ::testing::PrintToString(listing.problems);
  for (const auto& name : {huge, bad_check, bad_time, linked, std::string("notes.txt")}) {
    EXPECT_FALSE(Present(dir.path() / name)) << name;
    EXPECT_TRUE(Present(dir.path() / (name + ".corrupt"))) << name;
    const bool named =
        std::any_of(listing.problems.begin(), listing.problems.end(), [&](const std::string& p) {
          return p.find(name + ": not a name") == 0 &&
                 p.find("set aside as " + name + ".corrupt") != std::string::npos;
        });
    EXPECT_TRUE(named) << name;
  }
  EXPECT_EQ(ReadFile(dir.path() / "sub" / "elsewhere"), report);
  EXPECT_TRUE(fs::exists(dir.path() / ".hidden"));
  EXPECT_TRUE(fs::is_directory(dir.path() / "sub"));

  // Set aside once; what was set aside is neither numbered nor pruned as ours.
  EXPECT_THAT(store.Load().problems, IsEmpty());
  for (int i = 4; i <= 20; ++i) ASSERT_TRUE(store.Save(NthReport(i)).ok());
  EXPECT_EQ(EntryNames(dir.path()).back().substr(0, 10), "0000000020");
  EXPECT_TRUE(fs::exists(dir.path() / (huge + ".corrupt")));
  EXPECT_TRUE(fs::exists(dir.path() / "notes.txt.corrupt"));
  EXPECT_THAT(store.Load().entries, SizeIs(5));
}

TEST(HistoryTest, TheLastSequenceNumberIsAnErrorNotAnElevenDigitName) {
  testing::TempDir dir;
  HistoryStore store(dir.path());
  WriteFile(dir.path() / "9999999999-20261206T000000.000Z-1234567M.json", RenderJson(NthReport(0)));
  const auto saved = store.Save(NthReport(1));
  ASSERT_FALSE(saved.ok());
  EXPECT_THAT(saved.error().Message(), HasSubstr("9999999999"));
  EXPECT_THAT(Names(dir.path()), SizeIs(1));
}

TEST(HistoryTest, AReportWithAMadeUpIdIsSavedUnderNoid) {
  testing::TempDir dir;
  HistoryStore store(dir.path());
  Report r = NthReport(0);
  r.report_id = "incident/42 ../";
  ASSERT_TRUE(store.Save(r).ok());
  EXPECT_THAT(Names(dir.path()), ElementsAre("0000000001-20261121T054049.123Z-NOID.json"));
  const Listing listing = store.Load();
  EXPECT_THAT(listing.problems, IsEmpty());
  ASSERT_THAT(listing.entries, SizeIs(1));
  EXPECT_EQ(listing.entries[0].report_id, "incident/42 ../");
}

TEST(HistorySequenceTest, OnlyTheNamesPosdiagWrites) {
  const std::string good_id = [] {
    std::string id = NewReportId();
    id.erase(4, 1);
    return id;
  }();
  EXPECT_EQ(HistorySequence("0000000042-20261121T054049.123Z-" + good_id + ".json"), 42);
  EXPECT_EQ(HistorySequence("0000000001-19700101T000000.000Z-NOID.json"), 1);
  EXPECT_EQ(HistorySequence("0000000001-20261121T054049.123Z-1234567M.json"), 1);
  for (const std::string& name : {
           std::string("9999999999-20261206T000000.000Z-JUNKJUNK.json"),
           "0000000042-20261121T054049.123Z-" + IdWithBadCheck() + ".json",
           std::string("0000000001-20261121T054049.123Z-1234567m.json"),   // not canonical
           std::string("0000000001-20261121T054049.123Z-1234-567M.json"),  // the dash
           std::string("0000000001-20261121T054049.123Z-1234567M.json.corrupt"),
           std::string("0000000001-20261121T054049.123Z-1234567M"),
           std::string("0000000001-20261121T054049.123-1234567M.json"),
           std::string("0000000001-invalid-time-1234567M.json"),
           std::string("00000000001-20261121T054049.123Z-1234567M.json"),
           std::string("000000001-20261121T054049.123Z-1234567M.json"),
           std::string("+000000001-20261121T054049.123Z-1234567M.json"),
           std::string("0000000001-20261121T054049.123Z-.json"),
           std::string("0000000001-20261121T054049.123Z-NOIDX.json"),
           std::string("notes.txt"),
           std::string(".0000000001-20261121T054049.123Z-1234567M.json.7.tmp"),
           std::string(""),
       }) {
    EXPECT_EQ(HistorySequence(name), -1) << name;
  }
}

TEST(HistoryTest, ConcurrentSavesTakeDistinctNumbersAndKeepExactlyTheNewest) {
  testing::TempDir dir;
  constexpr int kSavers = 20;
  constexpr std::size_t kKeep = 5;
  std::latch start(kSavers);
  std::vector<Result<void>> results(kSavers, Ok());
  std::vector<std::string> ids(kSavers);
  {
    std::vector<std::jthread> savers;
    for (int i = 0; i < kSavers; ++i) {
      savers.emplace_back([&, i] {
        HistoryStore store(dir.path(), kKeep);  // each as its own run would
        Report r = NthReport(i);
        ids[i] = r.report_id;
        start.arrive_and_wait();
        results[i] = store.Save(r);
      });
    }
  }
  for (int i = 0; i < kSavers; ++i) {
    EXPECT_TRUE(results[i].ok()) << results[i].error().Message();
  }
  std::vector<std::string> seqs;
  for (const auto& n : Names(dir.path())) seqs.push_back(n.substr(0, 10));
  EXPECT_THAT(seqs,
              ElementsAre("0000000016", "0000000017", "0000000018", "0000000019", "0000000020"));
  const Listing listing = HistoryStore(dir.path(), kSavers).Load();
  EXPECT_THAT(listing.problems, IsEmpty());
  EXPECT_EQ(listing.entries.size(), kKeep);
}

TEST(HistoryTest, ADirectoryThatCannotBeReadIsAnErrorNotAnEmptyHistory) {
  testing::TempDir dir;
  WriteFile(dir.path() / "history", "a file where the directory should be");
  const Listing listing = HistoryStore(dir.path() / "history").Load();
  ASSERT_TRUE(listing.error.has_value());
  EXPECT_THAT(listing.error->Message(), HasSubstr((dir.path() / "history").string()));
  EXPECT_THAT(listing.problems, SizeIs(1));
  EXPECT_THAT(listing.entries, IsEmpty());
}

TEST(HistoryTest, AnUnwritableDirectoryIsAnError) {
  testing::TempDir dir;
  WriteFile(dir.path() / "plain-file", "x");
  // Tests may run as root, which ignores permissions; a path under a regular file fails anyway.
  HistoryStore store(dir.path() / "plain-file" / "history");
  Result<void> saved = Ok();
  ASSERT_NO_THROW(saved = store.Save(testing::SampleReport()));
  ASSERT_FALSE(saved.ok());
  EXPECT_THAT(saved.error().Message(), HasSubstr("history: create"));

  HistorySink sink(HistoryStore(dir.path() / "plain-file"));
  EXPECT_EQ(sink.Name(), "history");
  Result<void> written = Ok();
  ASSERT_NO_THROW(written = sink.Write(testing::SampleReport()));
  EXPECT_FALSE(written.ok());

  const Listing listing = store.Load();
  EXPECT_THAT(listing.entries, IsEmpty());
}

TEST(HistoryTest, MissingDirectoryIsAnEmptyHistory) {
  testing::TempDir dir;
  const Listing listing = HistoryStore(dir.path() / "never-made").Load();
  EXPECT_THAT(listing.entries, IsEmpty());
  EXPECT_THAT(listing.problems, IsEmpty());
  EXPECT_FALSE(listing.error.has_value());
  EXPECT_FALSE(fs::exists(dir.path() / "never-made"));
}

TEST(HistoryTest, HistorySinkSaves) {
  testing::TempDir dir;
  HistorySink sink(HistoryStore(dir.path(), 10));
  ASSERT_TRUE(sink.Write(NthReport(0)).ok());
  ASSERT_TRUE(sink.Write(NthReport(1)).ok());
  EXPECT_THAT(HistoryStore(dir.path()).Load().entries, SizeIs(2));
}

TEST(HistoryTest, FrequencyCountsReportsNotOccurrences) {
  Listing listing;
  listing.entries.resize(4);
  listing.entries[0].rules = {"power.battery_low", "printer.paper_end"};
  listing.entries[1].rules = {"power.battery_low", "power.battery_low"};
  listing.entries[2].rules = {};
  listing.entries[3].rules = {"network.dns_failure", "power.battery_low"};
  const RuleFrequency f = Frequency(listing);
  EXPECT_EQ(f.reports, 4u);
  EXPECT_EQ(f.fired,
            (std::map<std::string, std::size_t>{
                {"network.dns_failure", 1}, {"power.battery_low", 3}, {"printer.paper_end", 1}}));
  EXPECT_EQ(Frequency(Listing{}).reports, 0u);
  EXPECT_THAT(Frequency(Listing{}).fired, IsEmpty());
}

TEST(HistoryTest, FrequencyFromSavedReports) {
  testing::TempDir dir;
  HistoryStore store(dir.path());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.Save(NthReport(i)).ok());
  Report quiet = NthReport(3);
  quiet.evaluation = {};
  ASSERT_TRUE(store.Save(quiet).ok());
  const RuleFrequency f = Frequency(store.Load());
  EXPECT_EQ(f.reports, 4u);
  EXPECT_EQ(f.fired.at("power.battery_low"), 3u);
  EXPECT_EQ(f.fired.at("power.battery_warn"), 3u);  // suppressed symptoms count as fired
}

TEST(ParseHistoryEntryTest, AcceptsAContractOnlyReport) {
  const auto entry = ParseHistoryEntry(R"({
    "schema": "posdiag.report/1", "report_id": "1234-567M", "level": "boot", "status": "error",
    "started_at": "2026-11-21T05:40:49.123Z", "duration_ms": 5, "probes": [], "facts": {},
    "findings": [{"rule": "power.battery_low", "code": "E1", "suppressed": ["power.battery_warn"]},
                 {"rule": "printer.paper_end", "code": "P1"}]})");
  ASSERT_TRUE(entry.ok()) << entry.error().Message();
  EXPECT_THAT(entry->rules,
              ElementsAre("power.battery_low", "printer.paper_end", "power.battery_warn"));
  EXPECT_THAT(entry->codes, ElementsAre("E1", "P1"));
  EXPECT_EQ(entry->level, "boot");
}

TEST(ParseHistoryEntryTest, RejectsWhatIsNotAReport) {
  for (const char* text : {
           "",
           "{",
           "[]",
           "null",
           "\"text\"",
           R"({"schema":"other/1"})",
           R"({"schema":"posdiag.report/1","report_id":"A","level":"boot","status":"ok"})",
           R"({"schema":"posdiag.report/1","report_id":"A","level":"boot","status":"ok",
               "started_at":"t","findings":{}})",
           R"({"schema":"posdiag.report/1","report_id":"A","level":"boot","status":"ok",
               "started_at":"t","findings":[{"rule":1,"code":"E1"}]})",
           R"({"schema":"posdiag.report/1","report_id":"A","level":"boot","status":"ok",
               "started_at":"t","findings":[7]})",
           R"({"schema":"posdiag.report/1","report_id":"A","level":"boot","status":"ok",
               "started_at":"t","findings":[],"suppressed_findings":[{"code":"E1"}]})",
       }) {
    const auto entry = ParseHistoryEntry(text);
    EXPECT_FALSE(entry.ok()) << text;
    if (!entry.ok()) {
      EXPECT_EQ(entry.error().kind, ErrorKind::kParse);
    }
  }
  EXPECT_FALSE(ParseHistoryEntry(std::string(kMaxHistoryFileBytes + 1, ' ')).ok());
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(ParseHistoryEntry(deep).ok());
}

TEST(RenderHistoryTest, OneLinePerReportThenProblems) {
  Listing listing;
  HistoryEntry a;
  a.report_id = "1234-567M";
  a.started_at = "2026-11-21T05:40:49.123Z";
  a.level = "merchant";
  a.status = "error";
  a.codes = {"E1", "P6"};
  HistoryEntry b = a;
  b.report_id = "0000-001Y";
  b.level = "boot";
  b.status = "ok";
  b.codes = {};
  listing.entries = {a, b};
  listing.problems = {"0000000003-x.json: not valid JSON; set aside as 0000000003-x.json.corrupt"};
  EXPECT_EQ(RenderHistory(listing, rules::Lang::kEn),
            "Saved reports, newest first (2)\n"
            "2026-11-21T05:40:49.123Z  1234-567M  merchant  error  E1 P6\n"
            "2026-11-21T05:40:49.123Z  0000-001Y  boot  ok  -\n"
            "Problems:\n"
            "  0000000003-x.json: not valid JSON; set aside as 0000000003-x.json.corrupt\n");
  const std::string zh = RenderHistory(listing, rules::Lang::kZhCn);
  EXPECT_THAT(zh, HasSubstr("已保存的报告，最新在前（2 份）\n"));
  EXPECT_THAT(zh, HasSubstr("1234-567M  商户  错误  E1 P6\n"));
  EXPECT_THAT(zh, HasSubstr("问题：\n"));
  EXPECT_EQ(RenderHistory(Listing{}, rules::Lang::kEn), "No saved reports\n");
  EXPECT_EQ(RenderHistory(Listing{}, rules::Lang::kZhCn), "没有保存的报告\n");
}

// The console's `incidents`: only the incidents, newest first, each with its code, how many
// failures and since when, the route, and its root causes or the bank's side when it had none.
TEST(RenderIncidentsTest, OnlyIncidentsWithTheirCodesFailuresAndCauses) {
  Listing listing;
  HistoryEntry storm;
  storm.report_id = "1234-567M";
  storm.kind = "incident";
  storm.incident = IncidentDigest{};
  storm.incident->report_id = storm.report_id;
  storm.incident->code = "98";
  storm.incident->failures = 3;
  storm.incident->first_s = 1796531460;  // 2026-12-06T04:31:00Z
  storm.incident->last_s = 1796531580;   // two minutes later
  storm.incident->via = "ethernet";
  storm.incident->causes = {
      {"network.host_timeout", "T1", {"支付主机无应答", "The payment host does not answer"}}};
  HistoryEntry key;
  key.report_id = "0000-001Y";
  key.kind = "key";
  HistoryEntry bank = storm;
  bank.report_id = "7KQ2-M9X4";
  bank.incident->code = "96";
  bank.incident->failures = 1;
  bank.incident->first_s = bank.incident->last_s = 1796531400;
  bank.incident->via = "";
  bank.incident->causes = {};
  listing.entries = {storm, key, bank};
  EXPECT_EQ(
      RenderIncidents(listing, rules::Lang::kEn),
      "Incidents, newest first (2)\n"
      "2026-12-06T04:33:00Z  1234-567M  code 98  x3  since 2026-12-06T04:31:00Z  via ethernet\n"
      "    T1  network.host_timeout  The payment host does not answer\n"
      "2026-12-06T04:30:00Z  7KQ2-M9X4  code 96  x1\n"
      "    nothing found on the terminal (likely the bank's side)\n");
  const std::string zh = RenderIncidents(listing, rules::Lang::kZhCn);
  EXPECT_THAT(zh, HasSubstr("故障记录，最新在前（2 条）\n"));
  EXPECT_THAT(zh, HasSubstr("1234-567M  应答码 98  x3  自 2026-12-06T04:31:00Z"));
  EXPECT_THAT(zh, HasSubstr("    T1  network.host_timeout  支付主机无应答\n"));
  EXPECT_THAT(zh, HasSubstr("终端未发现故障（可能是银行一侧的问题）"));
  EXPECT_EQ(RenderIncidents(Listing{}, rules::Lang::kEn), "No incidents recorded\n");
  EXPECT_EQ(RenderIncidents(Listing{{key}, {}, {}}, rules::Lang::kZhCn), "没有故障记录\n");
}

TEST(RenderHistoryTest, FileContentCannotControlTheTerminal) {
  Listing listing;
  HistoryEntry e;
  e.report_id = "\x1b]0;owned\x07";
  e.started_at = "t\nfake line";
  e.level = "x";
  e.status = "y";
  listing.entries = {e};
  const std::string text = RenderHistory(listing, rules::Lang::kEn);
  EXPECT_THAT(text, ::testing::Not(HasSubstr("\x1b")));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

}  // namespace
}  // namespace posdiag::agent
