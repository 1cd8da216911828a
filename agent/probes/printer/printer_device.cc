#include "agent/probes/printer/printer_device.h"

#include "agent/probes/printer/printer_probe.h"
#include "agent/serial_access.h"

namespace posdiag::agent::probes {
namespace {

using Verdict = RoutineResult::Verdict;

// `test slip`: the printer probe at engineer level prints its test slip when the printer reports
// no fault; the engineer checks it printed and was cut.
class SlipRoutine final : public Routine {
 public:
  std::string_view Name() const override { return "slip"; }
  std::string_view Help() const override { return "take the test slip from the printer"; }
  std::string_view Section() const override { return "printer"; }

  RoutineResult Run(const RoutineContext& ctx, io::Deadline deadline) override {
    auto run = ctx.run_probe("printer", deadline);
    if (!run) return {Verdict::kError, run.error().detail};
    if (auto not_measured = run->NotMeasured()) return *not_measured;
    const ProbeRun& f = *run;
    if (f.Bool("printer.detected") == false) {
      return {Verdict::kError, "no printer: " + f.Why("printer.busy")};
    }
    if (f.Bool("printer.busy") == true) {
      const std::string who = f.Text("printer.holder");
      return {Verdict::kError, "the printer is in use by " +
                                   (who.empty() ? std::string("another process") : who) +
                                   "; nothing sent"};
    }
    if (const auto sent = f.Bool("printer.test_slip_sent")) {
      if (*sent) return {Verdict::kPassed, "test slip sent: check it printed and was cut"};
      return {Verdict::kFailed, "test slip: " + f.Text("printer.test_slip_error")};
    }
    return {Verdict::kFailed, f.Why("printer.test_slip_sent")};
  }
};

}  // namespace

std::vector<SectionSpec> PrinterDevice::ConfigSections() const {
  return {
      {"printer",
       "the receipt printer (ESC/POS)",
       {String("transport")
            .OneOf({"serial", "usb"})
            .Default("serial")
            .Means("serial: ESC/POS over `port`; usb: the printer-class device on the bus"),
        TerminalPath("port")
            .RequiredWhen("transport", "serial")
            .Means("the printer's serial port, e.g. \"/dev/ttyS1\""),
        Int("baud", 300, 4'000'000)
            .Default(PrinterProbe::kDefaultBaud)
            .Means("serial: set by the printer's DIP or memory switches"),
        String("parity").OneOf({"none", "odd", "even"}).Default("none").Means("serial: parity"),
        String("flow_control")
            .OneOf({"none", "xonxoff", "rtscts", "dtrdsr"})
            .Default("none")
            .Means("serial: flow control"),
        Bool("test_slip")
            .Default(false)
            .Means("also print the test slip at merchant level (always at engineer level, never at "
                   "boot)"),
        Int("vid", 0, 0xFFFF)
            .With("pid")
            .Means("usb: the printer's vendor id, for printers of vendor class 0xFF"),
        Int("pid", 0, 0xFFFF).With("vid").Means("usb: the printer's product id"),
        String("paper")
            .OneOf({"58mm", "80mm"})
            .Default("58mm")
            .Means("the paper's width, for the hand-off slip (32 or 48 columns)"),
        SharedKey()}}};
}

std::shared_ptr<Probe> PrinterDevice::MakeProbe() const { return std::make_shared<PrinterProbe>(); }

std::vector<std::shared_ptr<Routine>> PrinterDevice::Routines() const {
  return {std::make_shared<SlipRoutine>()};
}

}  // namespace posdiag::agent::probes
