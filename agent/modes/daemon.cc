#include "agent/modes/daemon.h"

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <filesystem>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>

#include "agent/fleet/fleet_link.h"
#include "agent/modes/console.h"
#include "agent/modes/diagnose.h"
#include "agent/modes/fleet_modes.h"
#include "agent/modes/handoff.h"
#include "agent/modes/key_source.h"
#include "agent/modes/modes.h"
#include "agent/modes/recorder.h"
#include "agent/modes/setup.h"
#include "agent/probes/display/display_device.h"
#include "agent/sinks/display_screen.h"
#include "agent/sinks/incidents.h"
#include "agent/sinks/log_sink.h"
#include "drivers/base/time_format.h"

namespace posdiag::agent {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Whole milliseconds until `at`, rounded up so the loop never wakes just before a deadline and
// spins; capped well inside epoll_wait's int.
int TimeoutMs(steady_clock::time_point at, steady_clock::time_point now) {
  if (at <= now) return 0;
  const auto left = std::chrono::ceil<milliseconds>(at - now).count();
  return static_cast<int>(std::min<std::int64_t>(left, 24 * 3600 * 1000));
}

}  // namespace

// --- EventLoop -----------------------------------------------------------------------------------

EventLoop::EventLoop() : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {}

EventLoop::~EventLoop() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void EventLoop::Add(EventSource* source) { entries_.push_back({source, -1}); }

void EventLoop::OnBusy(milliseconds threshold, std::function<void(EventSource*)> after) {
  busy_threshold_ = threshold;
  after_busy_ = std::move(after);
}

// Keeps epoll's set in step with the descriptor the source has now.
Result<void> EventLoop::Sync(std::size_t index) {
  Entry& entry = entries_[index];
  const int want = entry.source->fd();
  const std::uint32_t events =
      EPOLLIN | (want >= 0 && entry.source->WantWrite() ? std::uint32_t{EPOLLOUT} : 0u);
  if (want == entry.registered_fd) {
    if (want < 0 || events == entry.events) return Ok();
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = index;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, want, &ev) != 0) {
      return ErrnoError("epoll_ctl mod " + std::to_string(want), errno);
    }
    entry.events = events;
    return Ok();
  }
  if (entry.registered_fd >= 0) {
    // The old descriptor may already be closed (then the kernel dropped it from the set).
    (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, entry.registered_fd, nullptr);
    entry.registered_fd = -1;
  }
  if (want >= 0) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = index;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, want, &ev) != 0) {
      return ErrnoError("epoll_ctl add " + std::to_string(want), errno);
    }
    entry.registered_fd = want;
    entry.events = events;
  }
  return Ok();
}

void EventLoop::Timed(EventSource* source, const std::function<void()>& handler) {
  const auto start = steady_clock::now();
  handler();
  if (after_busy_ && steady_clock::now() - start > busy_threshold_) after_busy_(source);
}

Result<void> EventLoop::Run() {
  if (epoll_fd_ < 0) return ErrnoError("epoll_create1", errno);
  constexpr int kMaxEvents = 8;
  epoll_event ready[kMaxEvents];
  while (true) {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].source->Finished()) return Ok();
      // A device problem never stops the daemon: the source is told, and may try another.
      if (auto synced = Sync(i); !synced) entries_[i].source->OnUnpollable(synced.error().detail);
    }
    std::optional<steady_clock::time_point> next;
    for (const Entry& e : entries_) {
      if (auto at = e.source->NextWake(); at && (!next || *at < *next)) next = at;
    }
    const int timeout = next ? TimeoutMs(*next, steady_clock::now()) : -1;
    const int n = ::epoll_wait(epoll_fd_, ready, kMaxEvents, timeout);
    ++wakeups_;
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("epoll_wait", errno);
    }
    for (int i = 0; i < n; ++i) {
      Entry* entry = &entries_[static_cast<std::size_t>(ready[i].data.u64)];
      // A handler earlier in this batch may have closed or replaced this descriptor.
      if (entry->source->fd() != entry->registered_fd || entry->registered_fd < 0) continue;
      const std::uint32_t got = ready[i].events;
      if (got & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        Timed(entry->source, [entry] { entry->source->OnReadable(); });
      }
      if ((got & EPOLLOUT) && entry->source->fd() == entry->registered_fd &&
          entry->registered_fd >= 0) {
        Timed(entry->source, [entry] { entry->source->OnWritable(); });
      }
    }
    const auto now = steady_clock::now();
    for (Entry& e : entries_) {
      if (auto at = e.source->NextWake(); at && *at <= now) {
        Timed(e.source, [&e, now] { e.source->OnWake(now); });
      }
    }
  }
}

// --- SignalSource --------------------------------------------------------------------------------

Result<std::unique_ptr<SignalSource>> SignalSource::Create() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  if (const int err = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    return ErrnoError("pthread_sigmask", err);
  }
  const int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return ErrnoError("signalfd", errno);
  return std::unique_ptr<SignalSource>(new SignalSource(fd));
}

SignalSource::~SignalSource() {
  if (fd_ >= 0) ::close(fd_);
}

void SignalSource::OnReadable() {
  signalfd_siginfo info{};
  while (true) {
    const ssize_t n = ::read(fd_, &info, sizeof(info));
    if (n == static_cast<ssize_t>(sizeof(info))) {
      signal_ = static_cast<int>(info.ssi_signo);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN: all read
  }
}

// --- DiagnoseFlow --------------------------------------------------------------------------------

DiagnoseFlow::DiagnoseFlow(Runner runner, Screen* screen, milliseconds result_timeout,
                           std::shared_ptr<spdlog::logger> log, Busy busy)
    : runner_(std::move(runner)),
      screen_(screen),
      result_timeout_(result_timeout),
      log_(std::move(log)),
      busy_(std::move(busy)) {}

void DiagnoseFlow::Draw(const Result<void>& drawn, const char* what) {
  if (!drawn && log_) log_->warn("display: {}: {}", what, drawn.error().detail);
}

void DiagnoseFlow::Idle() {
  state_ = State::kIdle;
  page_ = 0;
  timeout_at_.reset();
  if (screen_ != nullptr) screen_->Return();
}

void DiagnoseFlow::Release() { Idle(); }

void DiagnoseFlow::ArmTimeout() {
  if (result_timeout_.count() > 0) {
    timeout_at_ = steady_clock::now() + result_timeout_;
  } else {
    timeout_at_.reset();
  }
}

Report DiagnoseFlow::Run(Level level, std::string_view kind) {
  ++runs_;
  if (log_) log_->info("daemon: {} diagnosis started", LevelName(level));
  if (screen_ != nullptr) screen_->Borrow();
  Report report = runner_(level, kind, [this, level](const RunProgress& progress) {
    if (screen_ != nullptr) Draw(screen_->ShowProgress(progress, level), "progress");
  });
  state_ = State::kShowing;
  page_ = 0;
  if (screen_ != nullptr) Draw(screen_->ShowReport(report, page_), "report");
  if (log_) {
    log_->info("daemon: report {} status {}", report.report_id, RunStatusName(report.status));
  }
  last_ = report;
  ArmTimeout();
  return report;
}

RoutineResult DiagnoseFlow::Test(const std::function<RoutineResult(Screen*)>& test) {
  if (screen_ != nullptr) screen_->Borrow();
  const RoutineResult result = test(screen_);
  // The test's prompt or pattern never stays: the result it interrupted, or the application's
  // own screen, comes back.
  if (state_ == State::kShowing && last_ && screen_ != nullptr) {
    Draw(screen_->ShowReport(*last_, page_), "report");
  } else if (screen_ != nullptr) {
    screen_->Return();
  }
  return result;
}

void DiagnoseFlow::OnKey(KeyAction action) {
  if (log_) log_->debug("daemon: key {}", KeyActionName(action));
  switch (action) {
    case KeyAction::kDiagnose:
      if (auto busy = busy_ ? busy_() : std::nullopt) {
        if (log_) log_->info("daemon: diagnose key dropped: {}", *busy);
        return;
      }
      (void)Run(Level::kMerchant, "key");
      return;
    case KeyAction::kPageNext:
    case KeyAction::kPagePrev: {
      if (state_ != State::kShowing || !last_) return;
      const std::size_t pages =
          screen_ != nullptr ? std::max<std::size_t>(1, screen_->PageCount(*last_)) : 1;
      if (action == KeyAction::kPageNext && page_ + 1 < pages) ++page_;
      if (action == KeyAction::kPagePrev && page_ > 0) --page_;
      if (screen_ != nullptr) Draw(screen_->ShowReport(*last_, page_), "report");
      ArmTimeout();
      return;
    }
    case KeyAction::kBack:
      if (state_ == State::kShowing) Idle();
      return;
    case KeyAction::kPrint: {
      if (state_ != State::kShowing || !last_ || !printer_) return;
      if (screen_ != nullptr)
        Draw(screen_->ShowMessage("正在打印诊断单…", "Printing the slip…"), "print");
      auto sent = printer_(*last_);
      if (sent) {
        if (screen_ != nullptr) Draw(screen_->ShowReport(*last_, page_), "report");
      } else if (screen_ != nullptr) {
        // The reason stays until a page key brings the result back.
        Draw(screen_->ShowMessage("未能打印：" + sent.error().detail,
                                  "Not printed: " + sent.error().detail),
             "print");
      }
      if (log_) {
        log_->info("daemon: slip of {}: {}", last_->report_id, sent ? "sent" : sent.error().detail);
      }
      ArmTimeout();
      return;
    }
  }
}

void DiagnoseFlow::OnWake(TimePoint now) {
  if (timeout_at_ && *timeout_at_ <= now) Idle();
}

// --- posdiag daemon ------------------------------------------------------------------------------

namespace {

// The terminal's display for the daemon: the one place the display factory is called. A display
// that cannot be opened leaves the daemon without one (the log says why); the key and the console
// still work, and the display probe reports the fault in every diagnosis.
std::unique_ptr<Screen> OpenDaemonScreen(const Diagnoser& d) {
  auto settings = probes::ReadDisplaySettings(d.config().Section("display"));
  auto screen =
      settings ? OpenScreen(*settings, d.fs()) : Result<std::unique_ptr<Screen>>(settings.error());
  if (!screen) {
    if (d.log()) d.log()->warn("daemon: display: {}; going on without it", screen.error().detail);
    return nullptr;
  }
  return std::move(*screen);
}

// While it lives, a SIGTERM, SIGINT or SIGHUP waiting in the signalfd cuts short what runs: the
// loop is busy with a run or a test and reads the signal only after it. This thread only looks.
class CutOnSignal {
 public:
  explicit CutOnSignal(int signal_fd)
      : watcher_([this, signal_fd](std::stop_token done) {
          pollfd p{signal_fd, POLLIN, 0};
          while (!done.stop_requested()) {
            if (::poll(&p, 1, 50) > 0 && (p.revents & POLLIN) != 0) {
              cut_.request_stop();
              return;
            }
          }
        }) {}
  std::stop_token token() const { return cut_.get_token(); }

 private:
  std::stop_source cut_;
  std::jthread watcher_;  // declared last: stopped and joined before cut_ goes
};

// A line on stdout per event a supervisor (or a test) may wait for; the log has the detail.
void Say(const std::string& line) {
  std::fprintf(stdout, "posdiag daemon: %s\n", line.c_str());
  std::fflush(stdout);
}

// After a diagnosis: a run allocates and frees a few hundred kB (probe buffers, the report's JSON,
// the history directory's names), and glibc keeps the freed pages of its heap resident. Giving
// them back keeps the daemon's RSS near what it holds between runs (0.15 MB less in the soak, for
// about 0.1 ms a run). Called at the end of a run only, so an idle daemon never wakes for it.
void ReturnFreedMemory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace

SectionSpec DaemonSection() {
  return {"daemon",
          "posdiag daemon: the merchant's screen and the key device",
          {Int("result_timeout_ms", 0, 3'600'000)
               .Default(120'000)
               .Means("how long a result stays on the screen without a key (0: until a key)"),
           Int("rescan_max_ms", 100, 3'600'000)
               .Default(30'000)
               .Means("the longest wait between two looks for a key device that is not there")}};
}

int RunDaemon(const DaemonArgs& args) {
  // Before any thread exists, so every thread inherits the blocked mask and the signals wait in
  // the signalfd.
  auto signals = SignalSource::Create();
  if (!signals) {
    std::fprintf(stderr, "posdiag: %s\n", signals.error().detail.c_str());
    return 3;
  }
  auto created = Diagnoser::Create(args.config);
  if (!created) {
    PrintError(created.error());
    return 3;
  }
  Diagnoser& d = **created;
  const Config& config = d.config();
  const ConfigSection& keys_section = config.Section("keys");
  std::optional<KeyConfig> key_config;
  if (keys_section.present()) key_config = ReadKeyConfig(keys_section);
  const ConfigSection& daemon = config.Section("daemon");
  const milliseconds result_timeout(daemon.GetInt("result_timeout_ms"));
  const milliseconds rescan_max(daemon.GetInt("rescan_max_ms"));
  const io::RootFs& fs = d.fs();

  std::unique_ptr<Screen> screen = OpenDaemonScreen(d);
  const int signal_fd = (*signals)->fd();
  // The link to the desk, when [fleet] is configured: every report of this process is kicked
  // out of the outbox at once, those of other processes when the outbox watch sees them.
  std::unique_ptr<fleet::FleetLink> link;
  DiagnoseFlow flow(
      [&d, &link, signal_fd](Level level, std::string_view kind,
                             const std::function<void(const RunProgress&)>& progress) {
        const CutOnSignal cut(signal_fd);
        Report report = d.Run(level, progress, cut.token(), kind);
        Say("report " + report.report_id + " level " + std::string(LevelName(level)) + " status " +
            std::string(RunStatusName(report.status)));
        if (link) link->Kick();
        ReturnFreedMemory();
        return report;
      },
      screen.get(), result_timeout, d.log(), [&d] { return d.TransactionInProgress(); });

  flow.SetPrinter(
      [&d](const Report& report) { return PrintReportSlip(d, report, milliseconds(10'000)); });

  EventLoop loop;
  loop.Add(signals->get());
  loop.Add(&flow);
  std::unique_ptr<KeySource> keys;
  if (key_config) {
    keys = std::make_unique<KeySource>(
        fs, d.openers(), *key_config, rescan_max, d.log(), [&flow](KeyAction action) {
          Say(std::string("key ") + std::string(KeyActionName(action)));
          flow.OnKey(action);
        });
    keys->Start(steady_clock::now());
    loop.Add(keys.get());
    // Presses made while a console command or an engineer test held the loop are stale.
    loop.OnBusy(milliseconds(100), [&keys](EventSource* busy) {
      if (busy != keys.get()) keys->Drain();
    });
  } else if (d.log()) {
    d.log()->info("daemon: no [keys] table; the diagnose key is not read");
  }
  // The engineer's console, when [console] is configured.
  std::unique_ptr<Console> console;
  ConsoleServices services;
  services.diagnoser = &d;
  services.run = [&flow](Level level) { return flow.Run(level); };
  services.run_test = [&d, &flow, signal_fd](Routine& routine, io::Deadline deadline,
                                             std::stop_token answered) {
    const CutOnSignal cut(signal_fd);
    return flow.Test(
        [&](Screen* on) { return d.RunRoutine(routine, on, deadline, cut.token(), answered); });
  };
  services.busy = [&d] { return d.TransactionInProgress(); };
  services.latest = [&flow]() -> std::optional<Report> { return flow.last(); };
  auto opened = Console::Open(config, fs, std::move(services));
  if (opened) {
    console = std::move(*opened);
    loop.Add(console.get());
  } else if (opened.error().kind != ErrorKind::kNotFound) {
    std::fprintf(stderr, "posdiag: %s: %s\n", config.source().c_str(),
                 opened.error().detail.c_str());
    return 3;
  }
  // The flight recorder, when the journal is configured and [recorder] is not switched off.
  std::unique_ptr<Recorder> recorder;
  std::unique_ptr<JournalWatch> journal_watch;
  if (const ConfigSection& journal = config.Section("journal");
      journal.present() && config.Section("recorder").GetBool("enabled")) {
    RecorderSettings settings = ReadRecorderSettings(config.Section("recorder"));
    const std::size_t max_read = settings.max_read_bytes;
    recorder = std::make_unique<Recorder>(
        std::move(settings),
        [&d, &link, signal_fd](const IncidentBatch& batch) {
          IncidentInfo info;
          const auto& e = batch.newest.entry;
          info.time_s = e.epoch_s;
          info.type = e.type;
          info.amount_band = e.amount ? AmountBand(*e.amount) : "";
          info.code = e.code;
          info.local = batch.local;
          info.failures = batch.failures;
          info.first_s = batch.first_s;
          info.last_s = batch.last_s;
          const CutOnSignal cut(signal_fd);
          const Report report = d.RunIncident(std::move(info), cut.token());
          const auto waited =
              std::chrono::duration_cast<milliseconds>(steady_clock::now() - batch.newest.seen);
          Say("incident " + report.report_id + " code " + e.code + " failures " +
              std::to_string(batch.failures) + " status " +
              std::string(RunStatusName(report.status)) + " capture_ms " +
              std::to_string(report.incident ? report.incident->capture_ms : 0) + " total_ms " +
              std::to_string(waited.count()));
          if (link) link->Kick();
          ReturnFreedMemory();
        },
        [&d](const StormSummary& s) {
          std::string codes;
          for (const auto& [code, n] : s.codes) {
            codes += (codes.empty() ? "" : ",") + code + "x" + std::to_string(n);
          }
          const std::string line = "incident storm: " + std::to_string(s.failures) +
                                   " failed payments " + FormatRfc3339UtcSeconds(s.first_s) +
                                   " to " + FormatRfc3339UtcSeconds(s.last_s) + " (" + codes +
                                   ") in " + std::to_string(s.runs) + " incident reports";
          if (d.log()) d.log()->warn("recorder: {}", line);
          Say(line);
        });
    journal_watch = std::make_unique<JournalWatch>(
        fs.Path(journal.GetString("path")), ReadJournalFormat(journal), max_read, d.log(),
        [&recorder](const std::vector<drivers::journal::Entry>& entries) {
          recorder->OnEntries(entries);
        });
    journal_watch->Start(steady_clock::now());
    loop.Add(journal_watch.get());
    loop.Add(recorder.get());
  }
  std::unique_ptr<fleet::OutboxWatch> outbox_watch;
  if (d.fleet()) {
    link = std::make_unique<fleet::FleetLink>(
        *d.fleet(), d.log(), [&d, &link, signal_fd](const std::string& command, const json& body) {
          return RemoteCommand(d, command, body, [&](Level level) {
            const CutOnSignal cut(signal_fd);
            Report report = d.Run(level, {}, cut.token(), "remote");
            Say("report " + report.report_id + " level " + std::string(LevelName(level)) +
                " status " + std::string(RunStatusName(report.status)) + " remote");
            if (link) link->Kick();
            ReturnFreedMemory();
            return report;
          });
        });
    link->SetLast(LastFromHistory(d));
    if (auto started = link->Start(); !started) {
      // Certificate files that cannot be read: no retry mends that, but the terminal still works.
      if (d.log()) d.log()->error("daemon: {}", LogValue(started.error().detail));
      std::fprintf(stderr, "posdiag: %s\n", started.error().detail.c_str());
      link.reset();
    } else {
      loop.Add(link.get());
      std::error_code ec;
      std::filesystem::create_directories(d.fleet()->outbox_dir, ec);
      outbox_watch = std::make_unique<fleet::OutboxWatch>(d.fleet()->outbox_dir, *link);
      loop.Add(outbox_watch.get());
    }
  }
  Say(std::string("ready") +
      (keys ? (keys->connected() ? " keys=" + keys->path() : std::string(" keys=searching"))
            : std::string(" keys=none")) +
      (console ? std::string(" console=on") : std::string(" console=none")) +
      (link ? " fleet=" + d.fleet()->terminal_id : std::string(" fleet=none")) +
      (recorder ? std::string(" recorder=on") : std::string(" recorder=off")));

  const Result<void> ran = loop.Run();
  flow.Release();  // the payment application's screen, as it was
  if (link) link->Stop(io::Deadline::In(milliseconds(2000)));
  int status = 0;
  if (!ran) {
    if (d.log()) d.log()->error("daemon: {}", ran.error().detail);
    std::fprintf(stderr, "posdiag: daemon: %s\n", ran.error().detail.c_str());
    status = 3;
  } else {
    if (d.log()) d.log()->info("daemon: signal {}: stopping", (*signals)->signal());
    Say("stopped");
  }
  if (d.log()) d.log()->flush();
  if (d.stragglers() > 0) {
    // An abandoned probe thread may still be inside a system call; do not run static
    // destructors under it.
    std::fflush(nullptr);
    ::_exit(status);
  }
  return status;
}

}  // namespace posdiag::agent
