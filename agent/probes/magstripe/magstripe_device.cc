#include "agent/probes/magstripe/magstripe_device.h"

#include "agent/probes/magstripe/magstripe_probe.h"

namespace posdiag::agent::probes {
namespace {

using Verdict = RoutineResult::Verdict;

// `test swipe`: the magstripe probe (engineer level) waits for one swipe; its verdict per track,
// the Luhn check and the masked card number become the detail. Nothing else of the card is shown.
class SwipeRoutine final : public Routine {
 public:
  std::string_view Name() const override { return "swipe"; }
  std::string_view Help() const override { return "swipe a card through the stripe reader"; }
  std::string_view Section() const override { return "magstripe"; }

  RoutineResult Run(const RoutineContext& ctx, io::Deadline deadline) override {
    ctx.Prompt("请刷磁条卡", "Swipe a card");
    auto run = ctx.run_probe("magstripe", deadline);
    if (!run) return {Verdict::kError, run.error().detail};
    if (auto not_measured = run->NotMeasured()) return *not_measured;
    const ProbeRun& f = *run;
    if (f.Bool("magstripe.detected") == false) {
      return {Verdict::kError, "no reader: " + f.Why("magstripe.busy")};
    }
    if (f.Bool("magstripe.busy") == true) {
      return {Verdict::kError, "the reader is in use by another process; left alone"};
    }
    if (f.Bool("magstripe.swiped") != true) {
      return {Verdict::kSkipped, "no swipe before the deadline"};
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
    return {ok ? Verdict::kPassed : Verdict::kFailed, detail};
  }
};

}  // namespace

std::vector<SectionSpec> MagstripeDevice::ConfigSections() const {
  return {{"magstripe",
           "the keyboard-emulation magnetic-stripe reader (an evdev node)",
           {TerminalPath("device")
                .Default(MagstripeProbe::kDefaultDevice)
                .Means("the stripe reader's input device: /dev/input/eventN or a "
                       "/dev/input/by-id link"),
            Int("swipe_timeout_ms", 1000, 600'000)
                .Default(MagstripeProbe::kDefaultSwipeTimeoutMs)
                .Means("how long the engineer's swipe test waits for a card (cut to the probe's "
                       "timeout_ms)")}}};
}

std::shared_ptr<Probe> MagstripeDevice::MakeProbe() const {
  return std::make_shared<MagstripeProbe>();
}

std::vector<std::shared_ptr<Routine>> MagstripeDevice::Routines() const {
  return {std::make_shared<SwipeRoutine>()};
}

}  // namespace posdiag::agent::probes
