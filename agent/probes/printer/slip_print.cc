#include "agent/probes/printer/slip_print.h"

#include <optional>
#include <string>
#include <utility>

#include "agent/serial_access.h"
#include "drivers/io/device_holders.h"
#include "drivers/printer/usb_transport.h"

namespace posdiag::agent::probes {
namespace {

namespace pr = drivers::printer;

// Status first, then the slip.
Result<std::size_t> StatusThenPrint(pr::PrinterTransport& transport,
                                    std::span<const std::uint8_t> bytes, io::Deadline deadline) {
  const pr::StatusReading reading = pr::QueryStatus(transport, deadline);
  if (const std::string why = WhyNotPrint(reading); !why.empty()) {
    return Error{reading.responds ? ErrorKind::kInvalid : ErrorKind::kTimeout,
                 "not printed: " + why};
  }
  if (auto w = transport.Write(bytes, deadline); !w) return w.error().Context("slip: write");
  return bytes.size();
}

Result<std::size_t> PrintUsb(const ConfigSection& section, const io::RootFs& fs,
                             const Openers& open, std::span<const std::uint8_t> bytes,
                             io::Deadline deadline) {
  std::optional<std::pair<std::uint16_t, std::uint16_t>> id;
  if (section.Has("vid")) {
    id.emplace(static_cast<std::uint16_t>(section.GetInt("vid")),
               static_cast<std::uint16_t>(section.GetInt("pid")));
  }
  auto devices = open.ListUsb();
  if (!devices) return devices.error().Context("not printed: USB");
  const auto found = pr::FindUsbPrinter(*devices, id);
  if (!found) return Error{ErrorKind::kNotFound, "not printed: no printer on the USB bus"};
  const std::string node = found->device.DevNode();
  if (auto holder = io::FindDeviceHolder(fs, node, deadline)) {
    return Error{ErrorKind::kBusy,
                 "not printed: the printer is in use by " + HolderText(*holder) + "; nothing sent"};
  }
  auto device = open.Usb(found->device);
  if (!device) return device.error().Context("not printed");
  auto transport = pr::ClaimUsbTransport(std::move(*device), found->itf);
  if (!transport && transport.error().kind == ErrorKind::kBusy) {
    return Error{ErrorKind::kBusy, "not printed: the printer is in use; nothing sent"};
  }
  if (!transport) return transport.error().Context("not printed");
  return StatusThenPrint(**transport, bytes, deadline);
}

}  // namespace

pr::PaperWidth PaperOf(const ConfigSection& printer) {
  return printer.GetString("paper") == "80mm" ? pr::PaperWidth::k80mm : pr::PaperWidth::k58mm;
}

std::string WhyNotPrint(const pr::StatusReading& r) {
  if (!r.responds) {
    return "the printer does not answer" +
           (r.no_answer.detail.empty() ? std::string() : " (" + r.no_answer.detail + ")");
  }
  const auto& printer = r.replies[0];
  const auto& cause = r.replies[1];
  const auto& error = r.replies[2];
  const auto& paper = r.replies[3];
  // An open cover uncovers the paper sensor too: it is said first.
  if (cause && cause->cover_open) return "the printer's cover is open";
  if ((paper && paper->paper_end) || (cause && cause->stopped_paper_end)) {
    return "the printer is out of paper";
  }
  if (error && (error->cutter_error || error->recoverable_error || error->unrecoverable_error ||
                error->auto_recoverable_error)) {
    return "the printer reports an error";
  }
  if (cause && cause->error_occurred) return "the printer reports an error";
  if (printer && printer->offline) return "the printer is offline";
  for (const auto& reply : r.replies) {
    if (!reply) return "the printer's status could not be read (" + reply.error().detail + ")";
  }
  return "";
}

Result<std::size_t> PrintSlip(const Config& config, const io::RootFs& fs, const Openers& open,
                              std::span<const std::uint8_t> bytes, io::Deadline deadline) {
  const ConfigSection& section = config.Section("printer");
  if (!section.present()) {
    return Error{ErrorKind::kNotFound, "not printed: no [printer] in the config"};
  }
  if (section.GetString("transport") == "usb") return PrintUsb(section, fs, open, bytes, deadline);

  io::SerialSettings settings;
  settings.baud = static_cast<int>(section.GetInt("baud"));
  settings.parity = io::ParityFromName(section.GetString("parity"));
  settings.flow_control = io::FlowControlFromName(section.GetString("flow_control"));
  const io::SystemClock clock;
  // The probe's own way to the port: its facts are not wanted here, only whether it may talk.
  const ProbeContext ctx{fs, clock, open, section, config, deadline, {}, Level::kMerchant};
  FactWriter unused;
  auto access = OpenSerialForProbe(
      ctx, section.GetString("port"), settings,
      {"printer.detected", "printer.busy", "printer.holder", "printer.busy_unknown"},
      section.GetBool("shared"), deadline, unused);
  if (!access.port) {
    const ErrorKind kind = access.busy          ? ErrorKind::kBusy
                           : access.result.ok() ? ErrorKind::kNotFound
                                                : access.result.error().kind;
    return Error{kind, "not printed: " + access.why_not};
  }
  pr::SerialTransport transport(std::move(access.port));
  return StatusThenPrint(transport, bytes, deadline);
}

}  // namespace posdiag::agent::probes
