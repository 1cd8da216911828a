#include "agent/probes/printer_probe.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "drivers/io/serial_port.h"
#include "drivers/io/usb_device.h"
#include "drivers/printer/printer.h"
#include "drivers/printer/usb_transport.h"

namespace posdiag::agent::probes {
namespace {

namespace pr = drivers::printer;

// Facts are written well before the runner's deadline, so a slow printer still yields them.
constexpr std::chrono::milliseconds kReserve{150};

// What the status dialogue measures; missing together when it cannot happen.
constexpr const char* kDialogueFacts[] = {
    "printer.responds",       "printer.connection_lost",  "printer.online",
    "printer.cover_open",     "printer.paper_end",        "printer.paper_near_end",
    "printer.cutter_error",   "printer.mechanical_error", "printer.unrecoverable_error",
    "printer.head_overheat",  "printer.framing_errors",   "printer.bytes_sent",
    "printer.bytes_received", "printer.query_ms"};

void AllMissing(FactWriter& out, const std::string& why) {
  for (const char* name : kDialogueFacts) out.Missing(name, why);
}

std::optional<io::Parity> ParseParity(std::string_view s) {
  if (s == "none") return io::Parity::kNone;
  if (s == "odd") return io::Parity::kOdd;
  if (s == "even") return io::Parity::kEven;
  return std::nullopt;
}

std::optional<io::FlowControl> ParseFlowControl(std::string_view s) {
  if (s == "none") return io::FlowControl::kNone;
  if (s == "xonxoff") return io::FlowControl::kXonXoff;
  if (s == "rtscts") return io::FlowControl::kRtsCts;
  if (s == "dtrdsr") return io::FlowControl::kDtrDsr;
  return std::nullopt;
}

// One status bit from the reply to DLE EOT n, or missing with why that reply is not there.
void SetBit(FactWriter& out, const char* name, const pr::StatusReading& r, int n,
            bool pr::DleEotReply::*field, bool invert = false) {
  const auto& reply = r.replies[static_cast<std::size_t>(n - 1)];
  if (!reply) {
    out.Missing(name, reply.error().detail);
    return;
  }
  out.Set(name, (*reply).*field != invert);
}

// Every status query answered and no fault, offline cause or paper warning among the answers.
bool AllClear(const pr::StatusReading& r) {
  for (const auto& reply : r.replies) {
    if (!reply || !reply->raw) return false;
    const pr::DleEotReply& s = *reply;
    if (s.offline || s.cover_open || s.stopped_paper_end || s.error_occurred ||
        s.recoverable_error || s.cutter_error || s.unrecoverable_error ||
        s.auto_recoverable_error || s.paper_end) {
      return false;
    }
  }
  return true;
}

// A test slip prints paper: at engineer level, or at merchant level when the config asks; never
// at boot, and never on a printer that reported a fault.
void WriteTestSlip(const ProbeContext& ctx, const pr::StatusReading& reading,
                   pr::PrinterTransport& transport, io::Deadline deadline, FactWriter& out) {
  const bool asked = ctx.level == Level::kEngineer ||
                     (ctx.level == Level::kMerchant && ctx.section.GetBool("test_slip", false));
  if (!asked) {
    out.Missing("printer.test_slip_sent", "a test slip is printed at engineer level only");
    return;
  }
  if (!AllClear(reading)) {
    out.Missing("printer.test_slip_sent", "not printed: the printer reported a fault");
    return;
  }
  const auto now = std::chrono::system_clock::to_time_t(ctx.clock.Now());
  std::tm utc{};
  char when[32] = "";
  if (::gmtime_r(&now, &utc) != nullptr)
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &utc);
  auto sent = pr::PrintTestSlip(transport, when, deadline);
  out.Set("printer.test_slip_sent", sent.ok());
  if (!sent) out.Set("printer.test_slip_error", sent.error().detail);
}

void WriteReading(const pr::StatusReading& r, FactWriter& out) {
  out.Set("printer.responds", r.responds);
  out.Set("printer.connection_lost", r.connection_lost);
  out.Set("printer.framing_errors", static_cast<std::int64_t>(r.framing_errors));
  out.Set("printer.bytes_sent", static_cast<std::int64_t>(r.bytes_sent));
  out.Set("printer.bytes_received", static_cast<std::int64_t>(r.bytes_received));
  out.Set("printer.query_ms", static_cast<double>(r.elapsed.count() / 10) / 100.0, "ms");
  SetBit(out, "printer.online", r, 1, &pr::DleEotReply::offline, /*invert=*/true);
  SetBit(out, "printer.cover_open", r, 2, &pr::DleEotReply::cover_open);
  SetBit(out, "printer.cutter_error", r, 3, &pr::DleEotReply::cutter_error);
  SetBit(out, "printer.mechanical_error", r, 3, &pr::DleEotReply::recoverable_error);
  SetBit(out, "printer.unrecoverable_error", r, 3, &pr::DleEotReply::unrecoverable_error);
  SetBit(out, "printer.head_overheat", r, 3, &pr::DleEotReply::auto_recoverable_error);
  SetBit(out, "printer.paper_near_end", r, 4, &pr::DleEotReply::paper_near_end);
  // Paper end is the roll sensor's word (n=4), or the offline cause (n=2) when n=4 did not answer.
  const auto& sensor = r.replies[3];
  const auto& cause = r.replies[1];
  if (sensor) {
    out.Set("printer.paper_end", sensor->paper_end || (cause && cause->stopped_paper_end));
  } else if (cause && cause->stopped_paper_end) {
    out.Set("printer.paper_end", true);
  } else {
    out.Missing("printer.paper_end", sensor.error().detail);
  }
}

// The printer on USB: found by class (or [printer] vid/pid), busy when another process holds its
// node or its interface, else claimed briefly for its device ID and the status dialogue.
Result<void> MeasureUsb(const ProbeContext& ctx, FactWriter& out) {
  const io::Deadline deadline(ctx.deadline.at() - kReserve);
  out.Set("printer.transport", std::string("usb"));
  std::optional<std::pair<std::uint16_t, std::uint16_t>> id;
  if (ctx.section.Has("vid")) {
    id.emplace(static_cast<std::uint16_t>(ctx.section.GetInt("vid", 0)),
               static_cast<std::uint16_t>(ctx.section.GetInt("pid", 0)));
  }
  const auto missing_id = [&out](const std::string& why) {
    for (const char* name : {"printer.model", "printer.manufacturer", "printer.command_set"}) {
      out.Missing(name, why);
    }
  };
  const auto missing_all = [&](const std::string& why) {
    missing_id(why);
    AllMissing(out, why);
  };

  auto devices = io::ListUsbDevices();
  if (!devices) {
    const Error e = devices.error().Context("printer: USB");
    out.Missing("printer.detected", e.detail);
    out.Missing("printer.busy", e.detail);
    missing_all(e.detail);
    return e;
  }
  const auto found = pr::FindUsbPrinter(*devices, id);
  if (!found) {
    out.Set("printer.detected", false);
    const std::string why = id ? "no printer with the configured vid:pid on the USB bus"
                               : "no printer-class device on the USB bus";
    out.Missing("printer.busy", why);
    missing_all(why);
    return Ok();
  }
  const std::string node = found->device.DevNode();
  out.Set("printer.detected", true);
  out.Set("printer.vid", std::int64_t{found->device.vid});
  out.Set("printer.pid", std::int64_t{found->device.pid});
  out.Set("printer.port", node);

  if (auto holder = io::FindDeviceHolder(ctx.fs, node, deadline)) {
    out.Set("printer.busy", true);
    const std::string who = (holder->comm.empty() ? std::string("pid ") : holder->comm + " pid ") +
                            std::to_string(holder->pid);
    out.Set("printer.holder", who);
    missing_all(node + " is in use by " + who + "; posdiag sends nothing to it");
    return Ok();
  }
  auto opened = pr::OpenUsbTransport(found->device, found->itf);
  if (!opened && opened.error().kind == ErrorKind::kBusy) {
    out.Set("printer.busy", true);  // claimed by a process /proc did not show us
    out.Missing("printer.holder", opened.error().detail);
    missing_all(node + " is in use; posdiag sends nothing to it");
    return Ok();
  }
  if (!opened) {
    out.Missing("printer.busy", opened.error().detail);
    missing_all(opened.error().detail);
    return opened.error();
  }
  out.Set("printer.busy", false);
  pr::UsbTransport& transport = **opened;
  if (auto device_id = transport.DeviceId(deadline)) {
    const auto set = [&out](const char* name, const std::optional<std::string>& v,
                            const char* key) {
      if (v) {
        out.Set(name, *v);
      } else {
        out.Missing(name, std::string("the device ID has no ") + key + " field");
      }
    };
    set("printer.model", device_id->model, "MDL");
    set("printer.manufacturer", device_id->manufacturer, "MFG");
    set("printer.command_set", device_id->command_set, "CMD");
  } else {
    missing_id(device_id.error().detail);
  }
  const pr::StatusReading reading = pr::QueryStatus(transport, deadline, ctx.stop);
  WriteReading(reading, out);
  WriteTestSlip(ctx, reading, transport, deadline, out);
  return Ok();
}

}  // namespace

std::vector<SectionSpec> PrinterProbe::ConfigSections() const {
  return {{"printer",
           {{"transport", ValueType::kString},
            {"port", ValueType::kString},
            {"baud", ValueType::kInt, 300, 4'000'000},
            {"parity", ValueType::kString},
            {"flow_control", ValueType::kString},
            {"test_slip", ValueType::kBool},
            {"vid", ValueType::kInt, 0, 0xFFFF},
            {"pid", ValueType::kInt, 0, 0xFFFF}}}};
}

Support PrinterProbe::CheckSupport(const ProbeContext& ctx) {
  const std::string transport = ctx.section.GetString("transport", "serial");
  if (transport == "usb") {
    if (ctx.section.Has("vid") != ctx.section.Has("pid")) {
      return Support::NotConfigured("[printer] vid and pid go together");
    }
    return Support::Yes();
  }
  if (transport != "serial") {
    return Support::Unsupported("[printer] transport '" + transport +
                                "' is not supported by this build (serial and usb are)");
  }
  const std::string port = ctx.section.GetString("port", "");
  if (port.empty() || port.front() != '/') {
    return Support::NotConfigured("[printer] port must be an absolute path, not '" + port + "'");
  }
  if (!ParseParity(ctx.section.GetString("parity", "none"))) {
    return Support::NotConfigured("[printer] parity must be none, odd or even");
  }
  if (!ParseFlowControl(ctx.section.GetString("flow_control", "none"))) {
    return Support::NotConfigured("[printer] flow_control must be none, xonxoff, rtscts or dtrdsr");
  }
  return Support::Yes();
}

Result<void> PrinterProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  if (ctx.section.GetString("transport", "serial") == "usb") return MeasureUsb(ctx, out);
  const std::string port = ctx.section.GetString("port", "");
  io::SerialSettings settings;
  settings.baud = static_cast<int>(ctx.section.GetInt("baud", kDefaultBaud));
  settings.parity =
      ParseParity(ctx.section.GetString("parity", "none")).value_or(io::Parity::kNone);
  settings.flow_control = ParseFlowControl(ctx.section.GetString("flow_control", "none"))
                              .value_or(io::FlowControl::kNone);
  settings.exclusive = true;
  out.Set("printer.transport", std::string("serial"));
  out.Set("printer.port", port);
  const std::filesystem::path path = ctx.fs.Path(port);

  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      out.Set("printer.detected", false);
      out.Missing("printer.busy", "no device at " + port);
      AllMissing(out, "no device at " + port);
      return Ok();
    }
    const Error e = ErrnoError(port, err);
    out.Missing("printer.detected", e.detail);
    out.Missing("printer.busy", e.detail);
    AllMissing(out, e.detail);
    return e;
  }
  out.Set("printer.detected", true);

  // The payment application may be printing: the port is then its, and a query from us could
  // land in the middle of its receipt.
  std::error_code ec;
  const std::filesystem::path device = std::filesystem::canonical(path, ec);
  const io::Deadline deadline(ctx.deadline.at() - kReserve);
  if (auto holder = io::FindDeviceHolder(ctx.fs, ec ? path : device, deadline)) {
    out.Set("printer.busy", true);
    const std::string who = (holder->comm.empty() ? std::string("pid ") : holder->comm + " pid ") +
                            std::to_string(holder->pid);
    out.Set("printer.holder", who);
    AllMissing(out, port + " is in use by " + who + "; posdiag sends nothing to it");
    return Ok();
  }

  auto opened = pr::OpenSerialTransport(path, settings);
  if (!opened && opened.error().kind == ErrorKind::kBusy) {
    out.Set("printer.busy", true);  // held exclusively (TIOCEXCL) by a process we cannot see
    out.Missing("printer.holder", opened.error().detail);
    AllMissing(out, port + " is in use; posdiag sends nothing to it");
    return Ok();
  }
  out.Set("printer.busy", false);
  if (!opened) {
    const Error e = opened.error().Context("printer: open " + port);
    AllMissing(out, e.detail);
    return e;
  }
  const pr::StatusReading reading = pr::QueryStatus(**opened, deadline, ctx.stop);
  WriteReading(reading, out);
  WriteTestSlip(ctx, reading, **opened, deadline, out);
  return Ok();
}

}  // namespace posdiag::agent::probes
