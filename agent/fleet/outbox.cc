#include "agent/fleet/outbox.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "agent/report_id.h"
#include "agent/sinks/json_report.h"
#include "drivers/base/file.h"

namespace posdiag::agent::fleet {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kSeqDigits = 10;
constexpr std::string_view kSuffix = ".json";
constexpr std::string_view kDroppedFile = "dropped";
constexpr auto kLockWait = std::chrono::seconds(5);
// One message is a report: never larger than a history entry may be.
constexpr std::uintmax_t kMaxMessageBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxNames = 100000;
constexpr std::size_t kMaxCorrupt = 10;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

long long Sequence(std::string_view name) {
  if (!IsOutboxName(name)) return -1;
  long long seq = 0;
  for (char c : name.substr(0, kSeqDigits)) seq = seq * 10 + (c - '0');
  return seq;
}

struct Names {
  std::vector<OutboxItem> items;  // sorted
  std::vector<std::string> temps;
  std::vector<std::string> corrupt;
  long long max_seq = 0;
};

Result<Names> ListNames(const fs::path& dir) {
  Names names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return names;
    return ErrnoError("list " + dir.string(), ec.value());
  }
  std::size_t seen = 0;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec || ++seen > kMaxNames) break;
    const std::string name = it->path().filename().string();
    if (IsOutboxName(name) && it->is_regular_file(ec)) {
      names.items.push_back({name, it->file_size(ec)});
      names.max_seq = std::max(names.max_seq, Sequence(name));
    } else if (name.size() > 1 && name[0] == '.' && EndsWith(name, ".tmp")) {
      names.temps.push_back(name);
    } else if (EndsWith(name, ".corrupt")) {
      names.corrupt.push_back(name);
      names.max_seq = std::max(names.max_seq, Sequence(name.substr(0, name.size() - 8)));
    }
  }
  if (ec) return ErrnoError("list " + dir.string(), ec.value());
  std::sort(names.items.begin(), names.items.end(),
            [](const OutboxItem& a, const OutboxItem& b) { return a.name < b.name; });
  std::sort(names.corrupt.begin(), names.corrupt.end());
  return names;
}

std::string IdForName(std::string_view report_id) {
  if (auto id = NormalizeReportId(report_id)) {
    id->erase(4, 1);
    return *id;
  }
  return "NOID";
}

std::uint64_t ReadDropped(const fs::path& dir) {
  auto text = io::ReadFileBounded(dir / kDroppedFile, {.max_bytes = 32, .follow_symlinks = false});
  if (!text) return 0;
  std::uint64_t n = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') break;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

bool IsOutboxName(std::string_view name) {
  if (name.size() < kSeqDigits + 1 + kSuffix.size() + 1 || name[kSeqDigits] != '-') return false;
  if (!std::all_of(name.begin(), name.begin() + kSeqDigits,
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  if (!EndsWith(name, kSuffix)) return false;
  const std::string_view id =
      name.substr(kSeqDigits + 1, name.size() - kSeqDigits - 1 - kSuffix.size());
  return id == "NOID" || (id.size() == 8 && NormalizeReportId(id).has_value());
}

Outbox::Outbox(fs::path dir, std::uintmax_t max_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes) {}

Result<void> Outbox::Put(std::string_view report_id, std::string_view payload) {
  if (payload.size() > kMaxMessageBytes) {
    return Error{ErrorKind::kInvalid, "outbox: a report of " + std::to_string(payload.size()) +
                                          " bytes is larger than a message may be"};
  }
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return ErrnoError("outbox: create " + dir_.string(), ec.value());
  auto lock = io::LockDirectory(dir_, kLockWait);
  if (!lock) return lock.error().Context("outbox");
  auto names = ListNames(dir_);
  if (!names) return names.error().Context("outbox");
  char seq[24];
  std::snprintf(seq, sizeof seq, "%010lld", names->max_seq + 1);
  const std::string name = std::string(seq) + "-" + IdForName(report_id) + std::string(kSuffix);
  if (auto saved = io::WriteFileAtomically(dir_, name, payload); !saved) {
    return saved.error().Context("outbox");
  }
  // Over the cap: the oldest go first, the one just saved never.
  std::uintmax_t total = payload.size();
  for (const auto& item : names->items) total += item.bytes;
  std::uint64_t dropped = 0;
  for (const auto& item : names->items) {
    if (total <= max_bytes_) break;
    if (fs::remove(dir_ / item.name, ec)) {
      total -= item.bytes;
      ++dropped;
    }
  }
  for (std::size_t i = 0; i + kMaxCorrupt < names->corrupt.size(); ++i) {
    fs::remove(dir_ / names->corrupt[i], ec);
  }
  if (dropped > 0) {
    const std::string count = std::to_string(ReadDropped(dir_) + dropped) + "\n";
    if (auto written = io::WriteFileAtomically(dir_, std::string(kDroppedFile), count); !written) {
      return written.error().Context("outbox: dropped " + std::to_string(dropped) +
                                     " old reports for space, but could not count them");
    }
  }
  return Ok();
}

Result<std::vector<OutboxItem>> Outbox::List() {
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return std::vector<OutboxItem>{};
  auto lock = io::LockDirectory(dir_, kLockWait);
  if (!lock) return lock.error().Context("outbox");
  auto names = ListNames(dir_);
  if (!names) return names.error().Context("outbox");
  // Under the lock no save is under way: every temp file is a cut one.
  for (const auto& temp : names->temps) fs::remove(dir_ / temp, ec);
  return std::move(names->items);
}

Result<std::string> Outbox::Read(const OutboxItem& item) {
  auto text = io::ReadFileBounded(dir_ / item.name,
                                  {.max_bytes = kMaxMessageBytes, .follow_symlinks = false});
  if (!text) {
    if (text.error().kind == ErrorKind::kNotFound) return text.error();  // sent meanwhile
    auto lock = io::LockDirectory(dir_, kLockWait);
    problems_.push_back(io::SetAside(dir_, item.name, item.name + ": " + text.error().detail));
    return text.error().Context("outbox");
  }
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  const bool whole = !json.is_discarded() && json.is_object() && json.contains("report_id") &&
                     json["report_id"].is_string();
  if (!whole) {
    auto lock = io::LockDirectory(dir_, kLockWait);
    problems_.push_back(
        io::SetAside(dir_, item.name, item.name + ": not a whole report (a cut write?)"));
    return Error{ErrorKind::kParse, "outbox: " + item.name + " is not a whole report"};
  }
  return std::move(*text);
}

Result<void> Outbox::Remove(const OutboxItem& item) {
  std::error_code ec;
  if (!fs::remove(dir_ / item.name, ec) && ec) {
    return ErrnoError("outbox: remove " + item.name, ec.value());
  }
  return Ok();
}

Result<void> OutboxSink::Write(const Report& report) {
  nlohmann::json j = ReportToJson(report);
  j["terminal_id"] = terminal_id_;
  return outbox_.Put(report.report_id,
                     j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::uint64_t Outbox::Dropped() const { return ReadDropped(dir_); }

std::vector<std::string> Outbox::TakeProblems() {
  std::vector<std::string> out;
  out.swap(problems_);
  return out;
}

}  // namespace posdiag::agent::fleet
