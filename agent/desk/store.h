// The desk's SQLite database: the only file that includes sqlite3.h. Reports keyed by report ID
// (each stored once however often it arrives), each terminal's latest status, and the messages
// the collector turned away. Several processes may use one database: WAL mode and a busy timeout,
// and the schema is migrated step by step under a write lock (PRAGMA user_version).
// Example:
//   auto store = Store::Open("/var/lib/posdiag-fleet/fleet.db", Store::Mode::kCreate);
//   (*store)->AddReport(record, now);          // kNew, then kDuplicate for the same ID
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/desk/wire.h"
#include "drivers/base/result.h"

struct sqlite3;

namespace posdiag::desk {

// The schema version this program writes; a database from a newer one is refused.
int CurrentSchemaVersion();

struct TerminalRow {
  std::string terminal_id;
  std::string state;  // online|offline, "" when no status was ever received
  std::string state_time;
  std::optional<std::int64_t> last_seen_ms;
  std::optional<LastReport> last;
  std::optional<std::int64_t> outbox_pending;
  std::optional<std::int64_t> outbox_dropped;
  std::int64_t reports = 0;  // reports stored for it
};

struct StoredReport {
  ReportRecord record;
  std::int64_t received_ms = 0;
};

struct RejectedCount {
  std::string reason;
  std::int64_t count = 0;
};

class Store {
 public:
  enum class Mode { kCreate, kExisting };
  enum class Added { kNew, kDuplicate };

  // Opens (kCreate: creates when absent) and migrates. `busy_timeout` bounds every wait for
  // another process's lock.
  static Result<std::unique_ptr<Store>> Open(
      const std::string& path, Mode mode,
      std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000));
  // The same, stopping the migrations at `schema_version` (tests of the migrations).
  static Result<std::unique_ptr<Store>> OpenAt(const std::string& path, Mode mode,
                                               std::chrono::milliseconds busy_timeout,
                                               int schema_version);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version() const { return version_; }

  // Stores the report unless its ID is there already; the terminal's row learns of it either way.
  Result<Added> AddReport(const ReportRecord& report,
                          std::chrono::system_clock::time_point received);
  // `retained`: the broker's stored copy, delivered on subscription (its arrival says nothing
  // about when the terminal was last seen).
  Result<void> UpdateStatus(const StatusRecord& status, bool retained,
                            std::chrono::system_clock::time_point received);
  Result<void> AddRejected(const std::string& topic, const std::string& reason,
                           std::size_t payload_bytes,
                           std::chrono::system_clock::time_point received);

  Result<std::vector<TerminalRow>> Terminals();
  // Reports whose canonical ID starts with `prefix` (a whole ID: at most one), at most `limit`.
  Result<std::vector<StoredReport>> FindReports(const std::string& prefix, std::size_t limit);
  Result<std::int64_t> ReportCount();
  Result<std::vector<RejectedCount>> Rejected();

 private:
  Store(sqlite3* db, int version) : db_(db), version_(version) {}
  sqlite3* db_;
  int version_;
};

}  // namespace posdiag::desk
