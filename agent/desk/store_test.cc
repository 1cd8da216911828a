#include "agent/desk/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <thread>

#include "agent/desk/desk_testing.h"
#include "agent/report_id.h"
#include "agent/sinks/temp_dir.h"

namespace posdiag::desk {
namespace {

using agent::testing::TempDir;
using testing::ReportJson;

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

ReportRecord Report(const std::string& id, const std::string& terminal,
                    const std::string& status = "error", std::vector<std::string> codes = {"P1"},
                    const std::string& started = "2026-11-21T05:40:49.123Z") {
  auto r = ParseReport(terminal, ReportJson(id, terminal, status, codes, started).dump());
  EXPECT_TRUE(r) << r.error().detail;
  return *r;
}

StatusRecord Status(const std::string& terminal, const std::string& payload) {
  auto s = ParseStatus(terminal, payload);
  EXPECT_TRUE(s) << s.error().detail;
  return *s;
}

TEST(StoreTest, CreatesTheSchemaInWalMode) {
  TempDir dir;
  const std::string path = (dir.path() / "fleet.db").string();
  auto store = Store::Open(path, Store::Mode::kCreate);
  ASSERT_TRUE(store) << store.error().detail;
  EXPECT_EQ((*store)->schema_version(), CurrentSchemaVersion());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  // The indexes `list` and `show` rely on.
  sqlite3_prepare_v2(db,
                     "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                     "('reports_by_terminal_time', 'reports_by_time')",
                     -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 2);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(StoreTest, MigratesAnOlderSchemaStepByStepKeepingItsRows) {
  TempDir dir;
  const std::string path = (dir.path() / "fleet.db").string();
  const std::string id = agent::NewReportId();
  {
    auto v1 = Store::OpenAt(path, Store::Mode::kCreate, std::chrono::seconds(1), 1);
    ASSERT_TRUE(v1) << v1.error().detail;
    EXPECT_EQ((*v1)->schema_version(), 1);
    ASSERT_TRUE((*v1)->AddReport(Report(id, "term-0001"), kNow));
    EXPECT_FALSE((*v1)->Rejected());  // no such table yet
  }
  auto store = Store::Open(path, Store::Mode::kExisting);
  ASSERT_TRUE(store) << store.error().detail;
  EXPECT_EQ((*store)->schema_version(), CurrentSchemaVersion());
  EXPECT_EQ((*store)->FindReports(id, 2)->size(), 1u);
  EXPECT_TRUE((*store)->Rejected());
}

TEST(StoreTest, RefusesANewerSchemaAMissingFileAndAFileThatIsNotADatabase) {
  TempDir dir;
  const std::string path = (dir.path() / "fleet.db").string();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto newer = Store::Open(path, Store::Mode::kExisting);
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().detail.find("newer"), std::string::npos) << newer.error().detail;

  auto missing = Store::Open((dir.path() / "none.db").string(), Store::Mode::kExisting);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);

  std::ofstream((dir.path() / "junk.db").string()) << std::string(4096, 'x');
  auto junk = Store::Open((dir.path() / "junk.db").string(), Store::Mode::kExisting);
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error().detail.find("not a database"), std::string::npos) << junk.error().detail;
}

TEST(StoreTest, EachReportIdIsStoredOnce) {
  TempDir dir;
  auto store = Store::Open((dir.path() / "fleet.db").string(), Store::Mode::kCreate);
  ASSERT_TRUE(store);
  const std::string id = agent::NewReportId();
  auto first = (*store)->AddReport(Report(id, "term-0001"), kNow);
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_EQ(*first, Store::Added::kNew);
  auto again = (*store)->AddReport(Report(id, "term-0001"), kNow + std::chrono::seconds(5));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, Store::Added::kDuplicate);
  EXPECT_EQ(*(*store)->ReportCount(), 1);
  auto found = (*store)->FindReports(id, 2);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].received_ms,
            std::chrono::duration_cast<std::chrono::milliseconds>(kNow.time_since_epoch()).count());
}

TEST(StoreTest, FindsByPrefix) {
  TempDir dir;
  auto store = Store::Open((dir.path() / "fleet.db").string(), Store::Mode::kCreate);
  ASSERT_TRUE(store);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(agent::NewReportId());
    ASSERT_TRUE((*store)->AddReport(Report(ids.back(), "term-0001"), kNow));
  }
  auto by_full = (*store)->FindReports(ids[3], 5);
  ASSERT_EQ(by_full->size(), 1u);
  auto by_prefix = (*store)->FindReports(ids[3].substr(0, 6), 50);
  ASSERT_GE(by_prefix->size(), 1u);
  for (const auto& r : *by_prefix) EXPECT_EQ(r.record.report_id.substr(0, 6), ids[3].substr(0, 6));
}

TEST(StoreTest, TerminalsFollowStatusAndReportsAndTheWillMakesThemOffline) {
  TempDir dir;
  auto store = Store::Open((dir.path() / "fleet.db").string(), Store::Mode::kCreate);
  ASSERT_TRUE(store);
  const std::string old_id = agent::NewReportId();
  const std::string new_id = agent::NewReportId();
  ASSERT_TRUE((*store)->AddReport(
      Report(new_id, "term-0001", "unknown", {}, "2026-11-21T06:00:00.000Z"), kNow));
  // A backlog report older than the one the terminal row names does not replace it.
  ASSERT_TRUE(
      (*store)->AddReport(Report(old_id, "term-0001", "ok", {}, "2026-11-21T05:00:00.000Z"), kNow));
  ASSERT_TRUE((*store)->UpdateStatus(
      Status("term-0001", R"({"schema":"posdiag.status/1","state":"online",)"
                          R"("time":"2026-11-21T06:00:01Z","outbox":{"pending":0,"dropped":2}})"),
      false, kNow));
  auto rows = (*store)->Terminals();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].state, "online");
  ASSERT_TRUE((*rows)[0].last);
  EXPECT_EQ((*rows)[0].last->report_id, new_id);
  EXPECT_EQ((*rows)[0].last->status, "unknown");
  EXPECT_EQ((*rows)[0].reports, 2);
  EXPECT_EQ((*rows)[0].outbox_dropped, 2);

  // The last will: no time, live.
  ASSERT_TRUE((*store)->UpdateStatus(
      Status("term-0001", R"({"schema":"posdiag.status/1","state":"offline"})"), false,
      kNow + std::chrono::minutes(1)));
  rows = (*store)->Terminals();
  EXPECT_EQ((*rows)[0].state, "offline");
  EXPECT_EQ((*rows)[0].last->report_id, new_id);
}

TEST(StoreTest, ALiveStatusAppliesEvenFromATerminalWhoseClockIsBehindButAnOldRetainedOneDoesNot) {
  TempDir dir;
  auto store = Store::Open((dir.path() / "fleet.db").string(), Store::Mode::kCreate);
  ASSERT_TRUE(store);
  // The will, live: stamped with our clock (2027).
  ASSERT_TRUE((*store)->UpdateStatus(
      Status("term-0001", R"({"schema":"posdiag.status/1","state":"offline"})"), false, kNow));
  // Back online, its clock in 2026.
  ASSERT_TRUE((*store)->UpdateStatus(
      Status("term-0001",
             R"({"schema":"posdiag.status/1","state":"online","time":"2026-01-01T00:00:00Z"})"),
      false, kNow + std::chrono::seconds(5)));
  EXPECT_EQ((*(*store)->Terminals())[0].state, "online");
  // A retained copy older than what is stored (another collector starting) changes nothing.
  ASSERT_TRUE((*store)->UpdateStatus(
      Status("term-0001",
             R"({"schema":"posdiag.status/1","state":"offline","time":"2025-01-01T00:00:00Z"})"),
      true, kNow + std::chrono::seconds(6)));
  EXPECT_EQ((*(*store)->Terminals())[0].state, "online");
}

TEST(StoreTest, RejectedMessagesAreCountedByReason) {
  TempDir dir;
  auto store = Store::Open((dir.path() / "fleet.db").string(), Store::Mode::kCreate);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->AddRejected("posdiag/v1/t1/report", "not JSON", 5, kNow));
  ASSERT_TRUE((*store)->AddRejected("posdiag/v1/t2/report", "not JSON", 7, kNow));
  ASSERT_TRUE((*store)->AddRejected("posdiag/v1/t2/report", "no \"report_id\"", 7, kNow));
  auto counts = (*store)->Rejected();
  ASSERT_TRUE(counts);
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].reason, "not JSON");
  EXPECT_EQ((*counts)[0].count, 2);
}

TEST(StoreTest, TwoWritersOnOneDatabaseStoreEveryReportOnce) {
  TempDir dir;
  const std::string path = (dir.path() / "fleet.db").string();
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(agent::NewReportId());
  auto writer = [&](int) {
    auto store = Store::Open(path, Store::Mode::kCreate);
    ASSERT_TRUE(store) << store.error().detail;
    for (const auto& id : ids) {
      auto r = (*store)->AddReport(Report(id, "term-0001"), kNow);
      ASSERT_TRUE(r) << r.error().detail;
    }
  };
  std::thread a(writer, 0);
  std::thread b(writer, 1);
  a.join();
  b.join();
  auto store = Store::Open(path, Store::Mode::kExisting);
  ASSERT_TRUE(store);
  EXPECT_EQ(*(*store)->ReportCount(), 200);
}

}  // namespace
}  // namespace posdiag::desk
