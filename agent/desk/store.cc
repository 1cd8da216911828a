#include "agent/desk/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "drivers/base/time_format.h"

namespace posdiag::desk {
namespace {

using json = nlohmann::json;

// Each step takes the schema from the version before it to its own; never edited once shipped.
constexpr std::string_view kMigrations[] = {
    // 1: reports keyed by ID, with what `list` and the indexes need beside the full JSON; the
    // terminals' latest state.
    R"sql(
CREATE TABLE reports (
  report_id    TEXT PRIMARY KEY NOT NULL,
  terminal_id  TEXT NOT NULL,
  kind         TEXT NOT NULL,
  level        TEXT NOT NULL,
  status       TEXT NOT NULL,
  codes        TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  received_ms  INTEGER NOT NULL,
  published_ms INTEGER,
  json         TEXT NOT NULL
);
CREATE INDEX reports_by_terminal_time ON reports (terminal_id, started_at);
CREATE INDEX reports_by_time ON reports (started_at);
CREATE TABLE terminals (
  terminal_id    TEXT PRIMARY KEY NOT NULL,
  state          TEXT NOT NULL DEFAULT '',
  state_time     TEXT NOT NULL DEFAULT '',
  last_seen_ms   INTEGER,
  last_report_id TEXT,
  last_level     TEXT,
  last_status    TEXT,
  last_codes     TEXT,
  last_time      TEXT,
  outbox_pending INTEGER,
  outbox_dropped INTEGER,
  status_json    TEXT
);
)sql",
    // 2: the messages the collector turned away, for the count and the reason.
    R"sql(
CREATE TABLE rejected (
  id          INTEGER PRIMARY KEY,
  received_ms INTEGER NOT NULL,
  topic       TEXT NOT NULL,
  reason      TEXT NOT NULL,
  bytes       INTEGER NOT NULL
);
CREATE INDEX rejected_by_time ON rejected (received_ms);
)sql",
};
constexpr int kVersion = static_cast<int>(std::size(kMigrations));

Error DbError(sqlite3* db, std::string_view what) {
  const int code = sqlite3_extended_errcode(db);
  ErrorKind kind = ErrorKind::kIo;
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      kind = ErrorKind::kBusy;
      break;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      kind = ErrorKind::kPermission;
      break;
    case SQLITE_CANTOPEN:
      kind = ErrorKind::kNotFound;
      break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      kind = ErrorKind::kParse;
      break;
    default:
      break;
  }
  return Error{kind, std::string(what) + ": " + sqlite3_errmsg(db)};
}

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  Statement& Bind(int i, std::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int i, std::int64_t value) {
    sqlite3_bind_int64(stmt_, i, value);
    return *this;
  }
  Statement& Bind(int i, const std::optional<std::int64_t>& value) {
    if (value) return Bind(i, *value);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  Statement& BindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  std::string Text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<std::int64_t> OptionalInt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Int(col);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

Result<void> Exec(sqlite3* db, const std::string& sql, std::string_view what) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return DbError(db, what);
  }
  return Ok();
}

// A write transaction, rolled back unless committed. BEGIN IMMEDIATE takes the write lock at
// once (waiting up to the busy timeout), so two writers never deadlock upgrading read locks.
class WriteTransaction {
 public:
  explicit WriteTransaction(sqlite3* db) : db_(db) {}
  ~WriteTransaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Result<void> Begin() {
    auto r = Exec(db_, "BEGIN IMMEDIATE", "begin");
    open_ = r.ok();
    return r;
  }
  Result<void> Commit() {
    auto r = Exec(db_, "COMMIT", "commit");
    if (r.ok()) open_ = false;
    return r;
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

Result<int> UserVersion(sqlite3* db) {
  Statement s(db, "PRAGMA user_version");
  if (!s.ok() || s.Step() != SQLITE_ROW) return DbError(db, "read the schema version");
  return static_cast<int>(s.Int(0));
}

Result<int> Migrate(sqlite3* db, int up_to) {
  auto version = UserVersion(db);
  if (!version) return version.error();
  if (*version > kVersion) {
    return Error{ErrorKind::kUnsupported, "schema version " + std::to_string(*version) +
                                              " is newer than this posdiag-fleet's " +
                                              std::to_string(kVersion)};
  }
  if (*version >= up_to) return *version;
  WriteTransaction tx(db);
  if (auto r = tx.Begin(); !r) return r.error().Context("migrate");
  // Another process may have migrated while this one waited for the lock.
  version = UserVersion(db);
  if (!version) return version.error();
  for (int step = *version; step < up_to; ++step) {
    if (auto r = Exec(db, std::string(kMigrations[step]),
                      "migrate to schema version " + std::to_string(step + 1));
        !r) {
      return r.error();
    }
  }
  if (*version < up_to) {
    if (auto r = Exec(db, "PRAGMA user_version = " + std::to_string(up_to), "set schema version");
        !r) {
      return r.error();
    }
  }
  if (auto r = tx.Commit(); !r) return r.error().Context("migrate");
  return std::max(*version, up_to);
}

std::string CodesJson(const std::vector<std::string>& codes) { return json(codes).dump(); }

std::vector<std::string> CodesFrom(const std::string& text) {
  std::vector<std::string> codes;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return codes;
  for (const auto& c : j) {
    if (c.is_string()) codes.push_back(c.get<std::string>());
  }
  return codes;
}

std::int64_t EpochMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The terminal's latest report moves forward only: a report older than the one it names (a
// backlog arriving late) leaves it.
constexpr std::string_view kTerminalLastReport = R"sql(
INSERT INTO terminals (terminal_id, last_seen_ms, last_report_id, last_level, last_status,
                       last_codes, last_time)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (terminal_id) DO UPDATE SET
  last_seen_ms = max(coalesce(last_seen_ms, 0), coalesce(excluded.last_seen_ms, 0)),
  last_report_id = iif(newer, excluded.last_report_id, last_report_id),
  last_level = iif(newer, excluded.last_level, last_level),
  last_status = iif(newer, excluded.last_status, last_status),
  last_codes = iif(newer, excluded.last_codes, last_codes),
  last_time = iif(newer, excluded.last_time, last_time)
)sql";

// SQLite has no named expressions in an upsert: `newer` is spelled out.
std::string WithNewer(std::string_view sql) {
  std::string out(sql);
  const std::string newer =
      "(excluded.last_time IS NOT NULL AND (last_time IS NULL OR excluded.last_time >= last_time))";
  for (auto pos = out.find("newer,"); pos != std::string::npos; pos = out.find("newer,", pos)) {
    out.replace(pos, 5, newer);
    pos += newer.size();
  }
  return out;
}

}  // namespace

int CurrentSchemaVersion() { return kVersion; }

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, Mode mode,
                                           std::chrono::milliseconds busy_timeout) {
  return OpenAt(path, mode, busy_timeout, kVersion);
}

Result<std::unique_ptr<Store>> Store::OpenAt(const std::string& path, Mode mode,
                                             std::chrono::milliseconds busy_timeout,
                                             int schema_version) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == Mode::kCreate) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = db ? DbError(db, path) : Error{ErrorKind::kIo, path + ": out of memory"};
    if ((rc & 0xff) == SQLITE_CANTOPEN) {
      e = Error{ErrorKind::kNotFound,
                path + (mode == Mode::kCreate ? ": cannot be created or opened"
                                              : ": no such database (or it cannot be opened)")};
    }
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Store> store(new Store(db, 0));
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  sqlite3_extended_result_codes(db, 1);
  // Is it a database at all? (sqlite3_open_v2 reads nothing yet.)
  if (auto r = Exec(db, "SELECT count(*) FROM sqlite_schema", path); !r) return r.error();
  {
    Statement wal(db, "PRAGMA journal_mode = WAL");
    if (!wal.ok() || wal.Step() != SQLITE_ROW) return DbError(db, path + ": WAL mode");
    if (wal.Text(0) != "wal") {
      return Error{ErrorKind::kUnsupported, path + ": WAL mode refused (" + wal.Text(0) + ")"};
    }
  }
  // WAL with NORMAL: a commit survives a crash of this process; FULL adds an fsync per commit so
  // it survives a power cut too, which is what an acknowledged report deserves.
  if (auto r = Exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", path); !r) {
    return r.error();
  }
  auto version = Migrate(db, schema_version);
  if (!version) return version.error().Context(path);
  store->version_ = *version;
  return store;
}

Store::~Store() { sqlite3_close(db_); }

Result<Store::Added> Store::AddReport(const ReportRecord& report,
                                      std::chrono::system_clock::time_point received) {
  WriteTransaction tx(db_);
  if (auto r = tx.Begin(); !r) return r.error().Context("store report");
  Statement insert(db_, R"sql(
INSERT OR IGNORE INTO reports (report_id, terminal_id, kind, level, status, codes, started_at,
                               received_ms, published_ms, json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10))sql");
  if (!insert.ok()) return DbError(db_, "store report");
  insert.Bind(1, report.report_id)
      .Bind(2, report.terminal_id)
      .Bind(3, report.kind)
      .Bind(4, report.level)
      .Bind(5, report.status)
      .Bind(6, CodesJson(report.codes))
      .Bind(7, report.started_at)
      .Bind(8, EpochMs(received))
      .Bind(9, report.published_ms)
      .Bind(10, report.json);
  if (insert.Step() != SQLITE_DONE) return DbError(db_, "store report");
  const Added added = sqlite3_changes(db_) > 0 ? Added::kNew : Added::kDuplicate;
  if (added == Added::kNew) {
    Statement terminal(db_, WithNewer(kTerminalLastReport));
    if (!terminal.ok()) return DbError(db_, "store report: terminal");
    terminal.Bind(1, report.terminal_id)
        .Bind(2, EpochMs(received))
        .Bind(3, report.report_id)
        .Bind(4, report.level)
        .Bind(5, report.status)
        .Bind(6, CodesJson(report.codes))
        .Bind(7, report.started_at);
    if (terminal.Step() != SQLITE_DONE) return DbError(db_, "store report: terminal");
  }
  if (auto r = tx.Commit(); !r) return r.error().Context("store report");
  return added;
}

Result<void> Store::UpdateStatus(const StatusRecord& status, bool retained,
                                 std::chrono::system_clock::time_point received) {
  WriteTransaction tx(db_);
  if (auto r = tx.Begin(); !r) return r.error().Context("store status");
  // A will carries no time: its arrival (live, not a retained copy) is when the terminal went.
  std::string state_time = status.time;
  if (state_time.empty() && !retained) state_time = FormatRfc3339Utc(received);
  std::optional<std::int64_t> seen;
  if (!retained) seen = EpochMs(received);
  std::string sql = R"sql(
INSERT INTO terminals (terminal_id, state, state_time, last_seen_ms, outbox_pending,
                       outbox_dropped, status_json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (terminal_id) DO UPDATE SET
  state = iif(later, excluded.state, state),
  state_time = iif(later, excluded.state_time, state_time),
  outbox_pending = iif(later, excluded.outbox_pending, outbox_pending),
  outbox_dropped = iif(later, excluded.outbox_dropped, outbox_dropped),
  status_json = iif(later, excluded.status_json, status_json),
  last_seen_ms = iif(excluded.last_seen_ms IS NULL, last_seen_ms,
                     max(coalesce(last_seen_ms, 0), excluded.last_seen_ms))
)sql";
  // A live status always applies (the broker delivers one terminal's messages in order, and its
  // clock may be behind ours); a retained copy only when it is not older than what is stored.
  const std::string later =
      "(?8 = 0 OR excluded.state_time = '' OR excluded.state_time >= state_time)";
  for (auto pos = sql.find("later,"); pos != std::string::npos; pos = sql.find("later,", pos)) {
    sql.replace(pos, 5, later);
    pos += later.size();
  }
  Statement upsert(db_, sql);
  if (!upsert.ok()) return DbError(db_, "store status");
  upsert.Bind(1, status.terminal_id)
      .Bind(2, status.state)
      .Bind(3, state_time)
      .Bind(4, seen)
      .Bind(5, status.outbox_pending)
      .Bind(6, status.outbox_dropped)
      .Bind(7, status.json)
      .Bind(8, std::int64_t{retained ? 1 : 0});
  if (upsert.Step() != SQLITE_DONE) return DbError(db_, "store status");
  if (status.last) {
    Statement last(db_, WithNewer(kTerminalLastReport));
    if (!last.ok()) return DbError(db_, "store status: last report");
    last.Bind(1, status.terminal_id)
        .BindNull(2)
        .Bind(3, status.last->report_id)
        .Bind(4, status.last->level)
        .Bind(5, status.last->status)
        .Bind(6, CodesJson(status.last->codes))
        .Bind(7, status.last->time);
    if (last.Step() != SQLITE_DONE) return DbError(db_, "store status: last report");
  }
  if (auto r = tx.Commit(); !r) return r.error().Context("store status");
  return Ok();
}

Result<void> Store::AddRejected(const std::string& topic, const std::string& reason,
                                std::size_t payload_bytes,
                                std::chrono::system_clock::time_point received) {
  Statement s(db_,
              "INSERT INTO rejected (received_ms, topic, reason, bytes) VALUES (?1, ?2, ?3, ?4)");
  if (!s.ok()) return DbError(db_, "store rejected message");
  s.Bind(1, EpochMs(received))
      .Bind(2, topic)
      .Bind(3, reason)
      .Bind(4, static_cast<std::int64_t>(payload_bytes));
  if (s.Step() != SQLITE_DONE) return DbError(db_, "store rejected message");
  return Ok();
}

Result<std::vector<TerminalRow>> Store::Terminals() {
  Statement s(db_, R"sql(
SELECT t.terminal_id, t.state, t.state_time, t.last_seen_ms, t.last_report_id, t.last_level,
       t.last_status, t.last_codes, t.last_time, t.outbox_pending, t.outbox_dropped,
       (SELECT count(*) FROM reports r WHERE r.terminal_id = t.terminal_id)
FROM terminals t ORDER BY t.terminal_id)sql");
  if (!s.ok()) return DbError(db_, "read terminals");
  std::vector<TerminalRow> rows;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    TerminalRow t;
    t.terminal_id = s.Text(0);
    t.state = s.Text(1);
    t.state_time = s.Text(2);
    t.last_seen_ms = s.OptionalInt(3);
    if (!s.IsNull(4)) {
      t.last = LastReport{s.Text(4), s.Text(5), s.Text(6), CodesFrom(s.Text(7)), s.Text(8)};
    }
    t.outbox_pending = s.OptionalInt(9);
    t.outbox_dropped = s.OptionalInt(10);
    t.reports = s.Int(11);
    rows.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read terminals");
  return rows;
}

Result<std::vector<StoredReport>> Store::FindReports(const std::string& prefix, std::size_t limit) {
  // A range over the primary key's index: every canonical ID is upper-case Crockford and '-',
  // all below '~'.
  Statement s(db_, R"sql(
SELECT report_id, terminal_id, kind, level, status, codes, started_at, received_ms, published_ms,
       json
FROM reports WHERE report_id >= ?1 AND report_id < ?2 ORDER BY report_id LIMIT ?3)sql");
  if (!s.ok()) return DbError(db_, "find report");
  s.Bind(1, prefix).Bind(2, prefix + "~").Bind(3, static_cast<std::int64_t>(limit));
  std::vector<StoredReport> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    StoredReport r;
    r.record.report_id = s.Text(0);
    r.record.terminal_id = s.Text(1);
    r.record.kind = s.Text(2);
    r.record.level = s.Text(3);
    r.record.status = s.Text(4);
    r.record.codes = CodesFrom(s.Text(5));
    r.record.started_at = s.Text(6);
    r.received_ms = s.Int(7);
    r.record.published_ms = s.OptionalInt(8);
    r.record.json = s.Text(9);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return DbError(db_, "find report");
  return out;
}

Result<std::int64_t> Store::ReportCount() {
  Statement s(db_, "SELECT count(*) FROM reports");
  if (!s.ok() || s.Step() != SQLITE_ROW) return DbError(db_, "count reports");
  return s.Int(0);
}

Result<std::vector<RejectedCount>> Store::Rejected() {
  Statement s(db_, "SELECT reason, count(*) FROM rejected GROUP BY reason ORDER BY 2 DESC, 1");
  if (!s.ok()) return DbError(db_, "read rejected messages");
  std::vector<RejectedCount> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back({s.Text(0), s.Int(1)});
  if (rc != SQLITE_DONE) return DbError(db_, "read rejected messages");
  return out;
}

}  // namespace posdiag::desk
