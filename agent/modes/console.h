// The engineer's serial console: a line protocol on `[console] port` that a person can use from
// picocom or minicom and a script can parse. Every reply ends with one machine-readable line,
// `OK` or `ERR <reason>`, then the prompt. Everything but `help` and `status` needs the engineer
// PIN (`[console] pin_hash`). The daemon adds the console to its epoll loop as an EventSource;
// the console never waits for input; its replies are written under a deadline, and `run` and
// `test` hold the loop for their own deadlines (the run budget, [console] test_timeout_s):
//   auto console = Console::Open(diagnoser.config(), fs, {&diagnoser, run_and_show, run_test});
//   if (!console) ...  // kNotFound: no [console] table (a port that is not there yet is not an
//                      // error: it is retried)
//   loop.Add(console->get());
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config.h"
#include "agent/event_source.h"
#include "agent/report.h"
#include "agent/routine.h"
#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/root_fs.h"
#include "drivers/io/serial_port.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

class Diagnoser;

// What the daemon hands the console.
struct ConsoleServices {
  Diagnoser* diagnoser = nullptr;    // config, catalogue, routines, log and history directories
  std::function<Report(Level)> run;  // runs a diagnosis and also shows it on the display
  // Runs an engineer routine (`test NAME`, from the diagnoser's routines) with the display;
  // the token is requested when the engineer answers (a line typed on the console while the
  // test runs: RoutineContext::answered). Unset: the `test` commands say "not available".
  std::function<RoutineResult(Routine&, io::Deadline, std::stop_token)> run_test;
  // The process's most recent diagnosis, whoever started it (a diagnose-key press or this
  // console); unset: the console knows only its own runs.
  std::function<std::optional<Report>()> latest;
  // Why `run` and `test` must wait (a transaction is in progress), or nullopt; unset: never.
  std::function<std::optional<std::string>()> busy;
};

// The [console] table, read and checked.
struct ConsoleSettings {
  std::string port;  // as configured, under [system] root
  int baud = 115200;
  std::string pin_hash;  // empty: the PIN-protected commands are refused
  std::chrono::seconds idle_timeout{300};
  std::size_t max_line = 256;
  int max_failures = 3;              // wrong PINs in a row before the lockout
  std::chrono::seconds lockout{30};  // first lockout; doubles with each further failure
  std::chrono::milliseconds write_timeout{2000};  // for each chunk of a reply
  std::chrono::seconds test_timeout{30};          // how long an engineer test waits
  rules::Lang lang = rules::Lang::kEn;
};

// [console], declared as data: the loader refuses a missing port, an unparsable pin_hash, an
// unknown lang before anything runs.
SectionSpec ConsoleSection();

// Reads [console]; kNotFound when the config has no [console] table (no console).
Result<ConsoleSettings> ReadConsoleSettings(const Config& config);

// What tests substitute: the clock that idle timeouts, lockouts and reopening are measured on, and
// how the port is opened.
struct ConsoleEnv {
  std::shared_ptr<const io::Clock> clock;  // null: the system clock
  std::function<Result<std::unique_ptr<io::SerialPort>>(const std::filesystem::path&,
                                                        const io::SerialSettings&)>
      open_port;  // empty: io::OpenSerialPort
};

class Console : public EventSource {
 public:
  // Reads [console] and tries to open the port. A port that is missing or fails to open is not an
  // error: the console retries with back-off (NextWake) until it opens.
  static Result<std::unique_ptr<Console>> Open(const Config& config, const io::RootFs& fs,
                                               ConsoleServices services, ConsoleEnv env = {});
  static Result<std::unique_ptr<Console>> Open(ConsoleSettings settings, const io::RootFs& fs,
                                               ConsoleServices services, ConsoleEnv env = {});
  ~Console() override;
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // The port's descriptor, or -1 while it is closed (being reopened).
  int fd() const override;
  // Reads what arrived, answers complete lines. A port error or hangup closes the port.
  void OnReadable() override;
  // While the port is closed: when to try again. While logged in: the idle timeout. Else none.
  std::optional<TimePoint> NextWake() const override;
  void OnWake(TimePoint now) override;

  bool port_open() const;
  bool logged_in() const;

 private:
  Console(ConsoleSettings settings, std::filesystem::path path, ConsoleServices services,
          ConsoleEnv env);
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace posdiag::agent
