#include "agent/probes/card_reader/card_reader_device.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "agent/probes/card_reader/card_reader_probe.h"
#include "agent/serial_access.h"

namespace posdiag::agent::probes {
namespace {

using Verdict = RoutineResult::Verdict;

// How often `test chip` asks the reader whether a card is in (CCID readers announce it on an
// interrupt endpoint that not every reader has; a slot status every half second is cheap).
constexpr std::chrono::milliseconds kChipPoll{500};

// `test chip`: the card reader probe at engineer level powers an inserted card and checks its
// ATR; until a card is in, the slot is asked again every kChipPoll.
class ChipRoutine final : public Routine {
 public:
  std::string_view Name() const override { return "chip"; }
  std::string_view Help() const override { return "insert a chip card in the reader"; }
  std::string_view Section() const override { return "card_reader"; }

  RoutineResult Run(const RoutineContext& ctx, io::Deadline deadline) override {
    ctx.Prompt("请插入芯片卡", "Insert a chip card");
    while (true) {
      const auto round_start = std::chrono::steady_clock::now();
      auto run = ctx.run_probe("card_reader", deadline);
      if (!run) return {Verdict::kError, run.error().detail};
      if (auto not_measured = run->NotMeasured()) return *not_measured;
      const ProbeRun& f = *run;
      if (f.Bool("card_reader.detected") == false) {
        return {Verdict::kError, "no card reader: " + f.Why("card_reader.busy")};
      }
      if (f.Bool("card_reader.busy") == true) {
        const std::string who = f.Text("card_reader.holder");
        return {Verdict::kError, "the reader is in use by " +
                                     (who.empty() ? std::string("another process") : who) +
                                     "; left alone"};
      }
      if (f.Bool("card_reader.responds") == false) {
        return {Verdict::kFailed, "the reader does not answer"};
      }
      if (f.Bool("card_reader.hw_error") == true) {
        return {Verdict::kFailed, "the reader reports a hardware error"};
      }
      const std::string icc = f.Text("card_reader.slot.icc_status");
      if (!icc.empty() && icc != "absent") {
        if (f.Bool("card_reader.card_mute") == true) {
          return {Verdict::kFailed, "the card does not answer (mute)"};
        }
        if (const auto valid = f.Bool("card_reader.atr.valid")) {
          if (*valid)
            return {Verdict::kPassed, "ATR valid, " + f.Text("card_reader.atr.protocols")};
          return {Verdict::kFailed, "bad ATR: " + f.Text("card_reader.atr.problem")};
        }
        return {Verdict::kError,
                "the card could not be powered: " + f.Why("card_reader.atr.valid")};
      }
      const auto next = round_start + kChipPoll;
      if (next >= deadline.at()) return {Verdict::kSkipped, "no card before the deadline"};
      // Woken early when posdiag is stopping.
      std::mutex mu;
      std::condition_variable_any cv;
      std::unique_lock lock(mu);
      if (cv.wait_until(lock, ctx.stop, next, [] { return false; }), ctx.stop.stop_requested()) {
        return {Verdict::kSkipped, "stopped before a card was inserted"};
      }
    }
  }
};

}  // namespace

std::vector<SectionSpec> CardReaderDevice::ConfigSections() const {
  return {{"card_reader",
           "the chip card reader (CCID, on USB or a serial port)",
           {String("transport")
                .OneOf({"usb", "serial"})
                .Default("usb")
                .Means("usb: a USB CCID reader (class 0x0B); serial: an RS-232 CCID reader "
                       "(GemPC Twin-style framing) on `port`"),
            Int("vid", 0, 0xFFFF)
                .With("pid")
                .Means("usb: pick the reader by its USB vendor id (with pid)"),
            Int("pid", 0, 0xFFFF)
                .With("vid")
                .Means("usb: pick the reader by its USB product id (with vid)"),
            TerminalPath("port")
                .RequiredWhen("transport", "serial")
                .Means("serial: the reader's serial port, e.g. \"/dev/ttyS2\""),
            Int("baud", 300, 4'000'000)
                .Default(CardReaderProbe::kDefaultSerialBaud)
                .Means("serial: the line speed (libccid's for these readers; 8 data bits, no "
                       "parity)"),
            SharedKey()}}};
}

std::shared_ptr<Probe> CardReaderDevice::MakeProbe() const {
  return std::make_shared<CardReaderProbe>();
}

std::vector<std::shared_ptr<Routine>> CardReaderDevice::Routines() const {
  return {std::make_shared<ChipRoutine>()};
}

}  // namespace posdiag::agent::probes
