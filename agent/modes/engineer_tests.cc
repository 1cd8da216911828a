#include "agent/modes/engineer_tests.h"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>

#include "agent/probes/keys/keys.h"
#include "agent/run.h"
#include "drivers/io/root_fs.h"

namespace posdiag::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using Verdict = EngineerTestResult::Verdict;

// How often the chip test asks the reader whether a card is in (CCID readers announce it on an
// interrupt endpoint that not every reader has; a slot status every half second is cheap).
constexpr milliseconds kChipPoll{500};

EngineerTestResult Outcome(Verdict v, std::string detail) { return {v, std::move(detail)}; }

// One probe's facts, from a run of that probe alone at engineer level (the level at which the
// magstripe probe waits for a swipe, the card reader powers a card and the printer prints its
// slip), within the test's deadline.
struct ProbeFacts {
  ProbeOutcome outcome;
  rules::FactSet facts;

  const rules::FactValue* Get(const std::string& name) const {
    const rules::Fact* fact = facts.Find(name);
    return fact == nullptr ? nullptr : &fact->value;
  }
  std::optional<bool> Bool(const std::string& name) const {
    const auto* v = Get(name);
    if (v == nullptr) return std::nullopt;
    if (const auto* b = std::get_if<bool>(v)) return *b;
    return std::nullopt;
  }
  std::string Text(const std::string& name) const {
    const auto* v = Get(name);
    if (v == nullptr) return "";
    if (const auto* s = std::get_if<std::string>(v)) return *s;
    return "";
  }
  // Why a fact is missing, as the probe said.
  std::string Why(const std::string& name) const {
    const rules::MissingFact* missing = facts.FindMissing(name);
    return missing == nullptr ? "" : missing->reason;
  }
};

Result<ProbeFacts> RunOneProbe(const Diagnoser& d, std::string_view name, io::Deadline deadline) {
  std::shared_ptr<Probe> probe;
  for (const auto& p : d.probes()) {
    if (p->Name() == name) probe = p;
  }
  if (!probe)
    return Error{ErrorKind::kUnsupported, "this build has no " + std::string(name) + " probe"};
  // The diagnoser outlives every test; a probe thread abandoned at the deadline only reads it.
  RunEnvironment env{
      std::shared_ptr<const Config>(std::shared_ptr<const Config>{}, &d.config()),
      std::make_shared<io::RootFs>(d.config().Section("system").GetString("root", "/")),
      std::make_shared<io::SystemClock>()};
  RunOptions options;
  options.level = Level::kEngineer;
  options.budget = std::max(deadline.Remaining(), milliseconds(1));
  RunOutput out = RunProbes({probe}, env, options);
  if (out.probes.empty()) return Error{ErrorKind::kUnsupported, "the probe did not run"};
  return ProbeFacts{out.probes.front(), std::move(out.facts)};
}

// An outcome other than ok as a verdict: not configured / unsupported / error / timeout.
std::optional<EngineerTestResult> NotMeasured(const ProbeFacts& f) {
  switch (f.outcome.status) {
    case ProbeStatus::kOk:
      return std::nullopt;
    case ProbeStatus::kNotConfigured:
    case ProbeStatus::kUnsupported:
      return Outcome(Verdict::kError, "not configured: " + f.outcome.error);
    case ProbeStatus::kError:
      return Outcome(Verdict::kError, f.outcome.error);
    case ProbeStatus::kTimeout:
      return Outcome(Verdict::kSkipped, "nothing happened before the deadline");
  }
  return Outcome(Verdict::kError, f.outcome.error);
}

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPassed:
      return "passed";
    case Verdict::kFailed:
      return "failed";
    case Verdict::kSkipped:
      return "skipped";
    case Verdict::kError:
      return "error";
  }
  return "error";
}

EngineerTests::EngineerTests(const Diagnoser& diagnoser, Screen* screen)
    : diagnoser_(&diagnoser), screen_(screen) {}

void EngineerTests::Prompt(std::string_view zh_cn, std::string_view en) {
  if (screen_ == nullptr) return;
  if (auto shown = screen_->ShowMessage(zh_cn, en); !shown && diagnoser_->log()) {
    diagnoser_->log()->warn("display: prompt: {}", shown.error().detail);
  }
}

EngineerTestResult EngineerTests::Swipe(io::Deadline deadline) {
  Prompt("请刷磁条卡", "Swipe a card");
  auto run = RunOneProbe(*diagnoser_, "magstripe", deadline);
  if (!run) return Outcome(Verdict::kError, run.error().detail);
  if (auto not_measured = NotMeasured(*run)) return *not_measured;
  const ProbeFacts& f = *run;
  if (f.Bool("magstripe.detected") == false) {
    return Outcome(Verdict::kError, "no reader: " + f.Why("magstripe.busy"));
  }
  if (f.Bool("magstripe.busy") == true) {
    return Outcome(Verdict::kError, "the reader is in use by another process; left alone");
  }
  if (f.Bool("magstripe.swiped") != true) {
    return Outcome(Verdict::kSkipped, "no swipe before the deadline");
  }
  std::string detail;
  const auto track = [&](const char* fact, const char* label) {
    const auto ok = f.Bool(fact);
    detail += std::string(detail.empty() ? "" : ", ") + label +
              (ok ? (*ok ? " ok" : " bad") : " not sent");
  };
  track("magstripe.track1.ok", "track 1");
  track("magstripe.track2.ok", "track 2");
  if (const auto luhn = f.Bool("magstripe.luhn_ok")) {
    detail += std::string(", Luhn ") + (*luhn ? "ok" : "bad") + ", card " +
              f.Text("magstripe.pan_masked");
  }
  const bool ok = f.Bool("magstripe.read_ok") == true;
  if (!ok && !f.Text("magstripe.error").empty()) detail += ": " + f.Text("magstripe.error");
  return Outcome(ok ? Verdict::kPassed : Verdict::kFailed, detail);
}

EngineerTestResult EngineerTests::Chip(io::Deadline deadline) {
  Prompt("请插入芯片卡", "Insert a chip card");
  while (true) {
    const auto round_start = steady_clock::now();
    auto run = RunOneProbe(*diagnoser_, "card_reader", deadline);
    if (!run) return Outcome(Verdict::kError, run.error().detail);
    if (auto not_measured = NotMeasured(*run)) return *not_measured;
    const ProbeFacts& f = *run;
    if (f.Bool("card_reader.detected") == false) {
      return Outcome(Verdict::kError, "no card reader: " + f.Why("card_reader.busy"));
    }
    if (f.Bool("card_reader.busy") == true) {
      return Outcome(Verdict::kError,
                     "the reader is in use by " +
                         (f.Text("card_reader.holder").empty() ? std::string("another process")
                                                               : f.Text("card_reader.holder")) +
                         "; left alone");
    }
    if (f.Bool("card_reader.responds") == false) {
      return Outcome(Verdict::kFailed, "the reader does not answer");
    }
    if (f.Bool("card_reader.hw_error") == true) {
      return Outcome(Verdict::kFailed, "the reader reports a hardware error");
    }
    const std::string icc = f.Text("card_reader.slot.icc_status");
    if (!icc.empty() && icc != "absent") {
      if (f.Bool("card_reader.card_mute") == true) {
        return Outcome(Verdict::kFailed, "the card does not answer (mute)");
      }
      if (const auto valid = f.Bool("card_reader.atr.valid")) {
        const std::string protocols = f.Text("card_reader.atr.protocols");
        if (*valid) return Outcome(Verdict::kPassed, "ATR valid, " + protocols);
        return Outcome(Verdict::kFailed, "bad ATR: " + f.Text("card_reader.atr.problem"));
      }
      return Outcome(Verdict::kError,
                     "the card could not be powered: " + f.Why("card_reader.atr.valid"));
    }
    const auto next = round_start + kChipPoll;
    if (next >= deadline.at()) return Outcome(Verdict::kSkipped, "no card before the deadline");
    std::this_thread::sleep_until(next);
  }
}

EngineerTestResult EngineerTests::Keys(io::Deadline deadline) {
  const ConfigSection& section = diagnoser_->config().Section("keys");
  if (!section.present()) return Outcome(Verdict::kError, "not configured: no [keys] table");
  auto config = ReadKeyConfig(section);
  if (!config) return Outcome(Verdict::kError, config.error().detail);
  const io::RootFs fs(diagnoser_->config().Section("system").GetString("root", "/"));
  auto opened = OpenKeyDevice(fs, *config);
  if (!opened) return Outcome(Verdict::kError, opened.error().detail);
  Prompt("请依次按下每个按键", "Press every key");

  // No debounce here: every key once is what is asked.
  KeyConfig plain = *config;
  plain.debounce = milliseconds(0);
  KeyFilter filter(plain);
  std::array<bool, kKeyActionCount> seen{};
  std::size_t count = 0;
  drivers::input::InputEvent events[64];
  while (count < kKeyActionCount && !deadline.Expired()) {
    pollfd p{opened->device.fd(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(deadline.Remaining().count()));
    if (ready < 0 && errno != EINTR) return Outcome(Verdict::kError, "poll: key device");
    if (ready <= 0) continue;
    auto got = opened->device.ReadAvailable(events);
    if (!got) return Outcome(Verdict::kError, opened->path + ": " + got.error().detail);
    for (std::size_t i = 0; i < *got; ++i) {
      if (auto action = filter.Feed(events[i], steady_clock::now())) {
        auto& s = seen[static_cast<std::size_t>(*action)];
        if (!s) ++count;
        s = true;
      }
    }
  }
  std::string missing;
  for (std::size_t i = 0; i < kKeyActionCount; ++i) {
    if (!seen[i]) {
      missing += std::string(missing.empty() ? "" : ", ") +
                 std::string(KeyActionName(static_cast<KeyAction>(i)));
    }
  }
  if (count == kKeyActionCount) return Outcome(Verdict::kPassed, "every key works");
  if (count == 0) return Outcome(Verdict::kSkipped, "no key pressed before the deadline");
  return Outcome(Verdict::kFailed, "not pressed: " + missing);
}

EngineerTestResult EngineerTests::DisplayPattern(io::Deadline /*deadline*/) {
  if (screen_ == nullptr) return Outcome(Verdict::kError, "no display");
  if (auto shown = screen_->ShowTestPattern(); !shown) {
    return Outcome(Verdict::kFailed, shown.error().detail);
  }
  return Outcome(Verdict::kPassed,
                 "test pattern shown: check the colour bars and the frame at every edge");
}

EngineerTestResult EngineerTests::TestSlip(io::Deadline deadline) {
  auto run = RunOneProbe(*diagnoser_, "printer", deadline);
  if (!run) return Outcome(Verdict::kError, run.error().detail);
  if (auto not_measured = NotMeasured(*run)) return *not_measured;
  const ProbeFacts& f = *run;
  if (f.Bool("printer.detected") == false) {
    return Outcome(Verdict::kError, "no printer: " + f.Why("printer.busy"));
  }
  if (f.Bool("printer.busy") == true) {
    return Outcome(Verdict::kError,
                   "the printer is in use by " +
                       (f.Text("printer.holder").empty() ? std::string("another process")
                                                         : f.Text("printer.holder")) +
                       "; nothing sent");
  }
  if (const auto sent = f.Bool("printer.test_slip_sent")) {
    if (*sent) return Outcome(Verdict::kPassed, "test slip sent: check it printed and was cut");
    return Outcome(Verdict::kFailed, "test slip: " + f.Text("printer.test_slip_error"));
  }
  return Outcome(Verdict::kFailed, f.Why("printer.test_slip_sent"));
}

}  // namespace posdiag::agent
