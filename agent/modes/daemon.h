// `posdiag daemon`: waits for the merchant's diagnose key (and, when configured, the engineer's
// serial console) in one epoll loop, and sleeps with no timeout when nothing is due. Its parts:
//   EventLoop    the loop over EventSources (fd readable, or a wake time due)
//   SignalSource SIGTERM, SIGINT, SIGHUP through a signalfd: the loop ends, exit 0
//   DiagnoseFlow the merchant's screen: idle -> progress -> result pages -> idle
// Example:
//   EventLoop loop;
//   loop.Add(&signals);
//   loop.Add(&keys);
//   loop.Run();  // until a source is Finished()
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config.h"
#include "agent/event_source.h"
#include "agent/probes/keys/keys.h"
#include "agent/report.h"
#include "agent/routine.h"
#include "agent/run.h"
#include "agent/screen.h"
#include "drivers/base/result.h"

namespace posdiag::agent {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The loop does not own the source; it must outlive Run(). Sources are added before Run().
  void Add(EventSource* source);
  // Called after a source's handler that kept the loop busy for longer than `threshold` (a
  // diagnosis from the console, an engineer test), e.g. to drop key presses made meanwhile.
  void OnBusy(std::chrono::milliseconds threshold, std::function<void(EventSource*)> after);

  // Waits and dispatches until a source is Finished(). An error only when epoll itself fails.
  Result<void> Run();
  // How many times epoll_wait returned: the wake-ups (the idle benchmark counts them too).
  std::size_t wakeups() const { return wakeups_; }

 private:
  struct Entry {
    EventSource* source;
    int registered_fd = -1;
    std::uint32_t events = 0;  // EPOLLIN, and EPOLLOUT while the source wants to write
  };
  Result<void> Sync(std::size_t index);
  void Timed(EventSource* source, const std::function<void()>& handler);

  int epoll_fd_ = -1;
  std::vector<Entry> entries_;
  std::chrono::milliseconds busy_threshold_{0};
  std::function<void(EventSource*)> after_busy_;
  std::size_t wakeups_ = 0;
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (do it before any thread starts, so
// none of them takes the signal) and reads them from a signalfd.
class SignalSource final : public EventSource {
 public:
  static Result<std::unique_ptr<SignalSource>> Create();
  ~SignalSource() override;
  int fd() const override { return fd_; }
  void OnReadable() override;
  bool Finished() const override { return signal_ != 0; }
  int signal() const { return signal_; }

 private:
  explicit SignalSource(int fd) : fd_(fd) {}
  int fd_ = -1;
  int signal_ = 0;
};

// What the merchant sees. The display is the payment application's: the flow draws nothing until
// it is asked, borrows the screen for a diagnosis (progress, then page 0 of the result; the page
// keys page) or an engineer test, and gives it back exactly as it was — on back, when the result
// times out, at the end of a test, and when the daemon stops. A diagnose press while the payment
// application is in a transaction is dropped (and logged). The run is synchronous: the loop does
// nothing else meanwhile, and the key source drops what was pressed during it. A timer source
// (fd -1) for the timeout.
class DiagnoseFlow final : public EventSource {
 public:
  // Runs a diagnosis of a level; `kind` says who asked (Report::kind: "key", "console").
  using Runner = std::function<Report(Level, std::string_view kind,
                                      const std::function<void(const RunProgress&)>&)>;
  // Why nothing may run now (a transaction is in progress), or nullopt.
  using Busy = std::function<std::optional<std::string>()>;
  enum class State { kIdle, kShowing };

  // `screen` may be null (no display): runs are then logged only. result_timeout 0: the result
  // stays until back is pressed.
  DiagnoseFlow(Runner runner, Screen* screen, std::chrono::milliseconds result_timeout,
               std::shared_ptr<spdlog::logger> log, Busy busy = {});

  void OnKey(KeyAction action);
  // Runs a diagnosis of `level` and shows it as a diagnose press does (the console's `run`).
  Report Run(Level level, std::string_view kind = "console");
  // Runs an engineer test on the borrowed screen; afterwards the result being shown is drawn
  // again, or the screen given back.
  RoutineResult Test(const std::function<RoutineResult(Screen*)>& test);
  // Gives the screen back (the daemon is stopping).
  void Release();
  // What [keys] print does while a result is shown: prints its slip, or says why not. Unset: the
  // key does nothing.
  using Printer = std::function<Result<std::size_t>(const Report&)>;
  void SetPrinter(Printer printer) { printer_ = std::move(printer); }

  int fd() const override { return -1; }
  void OnReadable() override {}
  std::optional<TimePoint> NextWake() const override { return timeout_at_; }
  void OnWake(TimePoint now) override;

  State state() const { return state_; }
  std::size_t page() const { return page_; }
  std::size_t runs() const { return runs_; }
  const std::optional<Report>& last() const { return last_; }

 private:
  void Draw(const Result<void>& drawn, const char* what);
  void ArmTimeout();
  void Idle();

  Runner runner_;
  Screen* screen_;
  std::chrono::milliseconds result_timeout_;
  std::shared_ptr<spdlog::logger> log_;
  Busy busy_;
  State state_ = State::kIdle;
  std::size_t page_ = 0;
  std::size_t runs_ = 0;
  std::optional<Report> last_;
  std::optional<TimePoint> timeout_at_;
  Printer printer_;
};

// [daemon]: how long a result stays on the screen, how long the key device is looked for.
SectionSpec DaemonSection();

}  // namespace posdiag::agent
