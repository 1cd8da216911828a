// The log: a size-bounded rotating file (plus errors on stderr) through spdlog. Each event is
// one key=value line, values quoted and escaped so a line can always be split back into fields:
//   finding report=7KQ2-M9X4 rule=power.battery_low code=E1 severity=error component=power ...
// Building the logger and writing to it return Errors; no spdlog exception escapes.
#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "agent/sinks/sink.h"

namespace posdiag::agent {

struct LogOptions {
  std::filesystem::path dir;              // created when missing
  std::string file_name = "posdiag.log";  // rotated copies: posdiag.1.log, posdiag.2.log, ...
  std::size_t max_bytes = 1024 * 1024;    // per file; at least 256
  std::size_t max_files = 3;              // files on disk, the current one included; 1 to 100
  // Events at this level and above also go to stderr; spdlog::level::off for none.
  spdlog::level::level_enum stderr_level = spdlog::level::err;
  std::string logger_name = "posdiag";
};

// A logger writing to <dir>/<file_name>, rotating by size. The logger is not registered with
// spdlog's global registry, so several can coexist (tests, a daemon and a one-shot run).
// The log cannot be turned against another file: the file (and every rotated copy) must be a
// regular file owned by the user posdiag runs as, and is opened without following a link; a link,
// a FIFO, a device or another user's file there is refused (kPermission) and never written
// through. Each line reaches the file when it is logged and is synced before log() returns;
// a file that ends inside a line (a full disk, a crash) gets a line end before the next line.
Result<std::shared_ptr<spdlog::logger>> MakeLogger(const LogOptions& options);

// "value" when it needs quoting (empty, spaces, '=', quotes, controls), with \" \\ \n \r \t
// and \xHH escapes; card data redacted and invalid UTF-8 replaced first.
std::string LogValue(std::string_view value);

class LogSink : public Sink {
 public:
  // Takes over the logger's error handler so that a failed write (disk full, a rotation that
  // could not rename or found a name it may not use) is returned by the next Write instead of
  // only printed to stderr.
  explicit LogSink(std::shared_ptr<spdlog::logger> logger);

  std::string_view Name() const override { return "log"; }
  Result<void> Write(const Report& report) override;

 private:
  struct Failures {
    std::mutex mutex;
    std::size_t count = 0;
    std::string last;
  };

  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<Failures> failures_;
};

}  // namespace posdiag::agent
