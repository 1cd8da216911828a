// A probe measures one device or subsystem and reports facts; it never judges (thresholds are
// catalogue data). It lives in its device's folder (agent/probes/<device>/, see device.h), which
// declares the probe's config table; the probe declares the facts it may write (Facts()), and the
// runner drops and reports any other. CheckSupport() runs first and says unsupported /
// not_configured with a reason; Measure() then writes facts before ctx.deadline, reaching its
// device only through ctx.open, and a fact it could not read is written as Missing(name,
// reason), never guessed. A fact its rules cannot do without, left unmeasured, makes the check
// incomplete (the run is `unknown`, never all clear): the probe names such facts in
// EssentialFacts(), or says so itself with out.Incomplete(why) when only it knows (a step its
// deadline left no time for). Example:
//
//   class FanProbe : public Probe {
//     std::string_view Name() const override { return "fan"; }
//     LevelMask Levels() const override { return kAllLevels; }
//     std::vector<rules::FactSpec> Facts() const override {
//       return {{"fan.rpm", rules::FactType::kInt, "rpm", "the fan's speed"}};
//     }
//     Support CheckSupport(const ProbeContext& ctx) override {
//       if (!ctx.fs.Exists("/sys/class/hwmon")) return Support::Unsupported("no hwmon");
//       return Support::Yes();
//     }
//     Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override {
//       out.Set("fan.rpm", std::int64_t{1200}, "rpm");
//       return Ok();
//     }
//   };
#pragma once

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config.h"
#include "agent/openers.h"
#include "agent/report.h"
#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/root_fs.h"
#include "rules/engine/fact.h"
#include "rules/engine/fact_schema.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

using LevelMask = unsigned;
constexpr LevelMask LevelBit(Level l) { return 1u << static_cast<unsigned>(l); }
constexpr LevelMask kAllLevels =
    LevelBit(Level::kBoot) | LevelBit(Level::kMerchant) | LevelBit(Level::kEngineer);

struct Support {
  enum class State { kSupported, kUnsupported, kNotConfigured };
  State state = State::kSupported;
  std::string reason;

  static Support Yes() { return {}; }
  static Support Unsupported(std::string why) { return {State::kUnsupported, std::move(why)}; }
  static Support NotConfigured(std::string why) { return {State::kNotConfigured, std::move(why)}; }
};

struct ProbeContext {
  const io::RootFs& fs;
  const io::Clock& clock;
  const Openers& open;           // the only way to the device: serial, USB, input, network
  const ConfigSection& section;  // the probe's own section ([power] for "power")
  const Config& config;          // for probes that read another section too
  io::Deadline deadline;
  std::stop_token stop;  // requested when the deadline passes
  // The run's level, for steps that only an engineer's run may take (a test slip, powering a
  // card): a probe's Levels() decides whether it runs at all.
  Level level = Level::kBoot;
};

// Collects a probe's facts; the runner stamps each with the probe's name and keeps them only if
// the probe finished in time and declared them.
class FactWriter {
 public:
  void Set(std::string name, rules::FactValue value, std::string unit = {});
  void Missing(std::string name, std::string reason);
  // The probe could not measure something its rules need (why, for the engineer): the check is
  // incomplete although it ran to its end.
  void Incomplete(std::string reason);
  // Incomplete() for each of `essential` not Set, with the reason Missing() gave for it.
  void RequireMeasured(const std::vector<std::string>& essential);

  std::vector<rules::Fact>& facts() { return facts_; }
  std::vector<rules::MissingFact>& missing() { return missing_; }
  const std::vector<std::string>& incomplete() const { return incomplete_; }

 private:
  std::vector<rules::Fact> facts_;
  std::vector<rules::MissingFact> missing_;
  std::vector<std::string> incomplete_;
};

class Probe {
 public:
  virtual ~Probe() = default;

  // Stable name; also the name of its config section and the first segment of its facts.
  virtual std::string_view Name() const = 0;
  virtual LevelMask Levels() const = 0;
  // What it checks, for people: the screen names the checks that could not complete by it
  // ("部分检测未完成：网络").
  virtual rules::Localized Title() const { return {std::string(Name()), std::string(Name())}; }
  // The default of its section's `timeout_ms`.
  virtual std::chrono::milliseconds DefaultTimeout() const { return std::chrono::seconds(2); }
  // False for probes of the system itself, which run without a section in the config.
  virtual bool NeedsConfigSection() const { return true; }
  // Every fact it may write (or record as missing), by name or pattern.
  virtual std::vector<rules::FactSpec> Facts() const = 0;
  // The facts (by name, among Facts()) its rules cannot judge the device without, given its
  // config: when one of them is not measured the runner counts the check as incomplete, with
  // the fact's missing reason. A fact missing because another fact already shows a fault (no
  // TCP connect when the name did not resolve) does not belong here.
  virtual std::vector<std::string> EssentialFacts(const ProbeContext&) const { return {}; }

  virtual Support CheckSupport(const ProbeContext& ctx) = 0;
  virtual Result<void> Measure(const ProbeContext& ctx, FactWriter& out) = 0;
};

}  // namespace posdiag::agent
