// The outbox: every report bound for the desk, saved before it is sent and removed only when the
// broker has acknowledged it, so a power cut, a kill or a day without a link loses nothing that
// fits. One file per report, written atomically (drivers/base/file.h), named in save order:
//   0000000042-7KQ2M9X4.json
// (a sequence number, not a time: a terminal's clock can be wrong). Writers and the sender hold
// the directory's lock, so a self-test and the daemon can share it. Bounded by size: beyond
// max_bytes the oldest reports are dropped and counted in the file `dropped`, which the next
// status carries to the desk. A file that is not a whole report is set aside as NAME.corrupt.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "agent/sinks/sink.h"
#include "drivers/base/result.h"

namespace posdiag::agent::fleet {

struct OutboxItem {
  std::string name;
  std::uintmax_t bytes = 0;
};

class Outbox {
 public:
  Outbox(std::filesystem::path dir, std::uintmax_t max_bytes);

  // Saves one message (a JSON object with "report_id"); then drops the oldest beyond max_bytes
  // (never the one just saved). Creates the directory when missing.
  Result<void> Put(std::string_view report_id, std::string_view payload);
  // The messages waiting, oldest first. Temp files of interrupted saves are removed.
  Result<std::vector<OutboxItem>> List();
  // A message's bytes. One that is not a whole JSON object with a report_id is set aside
  // (kParse, and a line in problems()).
  Result<std::string> Read(const OutboxItem& item);
  // The broker acknowledged it.
  Result<void> Remove(const OutboxItem& item);
  // Reports dropped for space since the outbox was made.
  std::uint64_t Dropped() const;
  // What was set aside or could not be removed since the last call, one line each.
  std::vector<std::string> TakeProblems();

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::uintmax_t max_bytes_;
  std::vector<std::string> problems_;
};

// The report, as the desk receives it (its JSON with terminal_id), into the outbox.
class OutboxSink : public Sink {
 public:
  OutboxSink(Outbox& outbox, std::string terminal_id)
      : outbox_(outbox), terminal_id_(std::move(terminal_id)) {}
  std::string_view Name() const override { return "outbox"; }
  Result<void> Write(const Report& report) override;

 private:
  Outbox& outbox_;
  std::string terminal_id_;
};

// True for a name the outbox writes. Pure.
bool IsOutboxName(std::string_view name);

}  // namespace posdiag::agent::fleet
