#include "agent/probes/printer/printer_probe.h"

#include <chrono>
#include <ctime>
#include <optional>
#include <string>

#include "agent/serial_access.h"
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
                     (ctx.level == Level::kMerchant && ctx.section.GetBool("test_slip"));
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
    id.emplace(static_cast<std::uint16_t>(ctx.section.GetInt("vid")),
               static_cast<std::uint16_t>(ctx.section.GetInt("pid")));
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

  auto devices = ctx.open.ListUsb();
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
    const std::string who = HolderText(*holder);
    out.Set("printer.holder", who);
    missing_all(node + " is in use by " + who + "; posdiag sends nothing to it");
    return Ok();
  }
  auto device = ctx.open.Usb(found->device);
  auto opened = device ? pr::ClaimUsbTransport(std::move(*device), found->itf)
                       : Result<std::unique_ptr<pr::UsbTransport>>(device.error());
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

std::vector<rules::FactSpec> PrinterProbe::Facts() const {
  using rules::FactType;
  return rules::MakeFacts({
      {"printer.transport", FactType::kText, "", "serial or usb, as configured"},
      {"printer.port", FactType::kText, "", "the serial port, or the USB device node"},
      {"printer.detected", FactType::kBool, "", "the port exists / the printer enumerates"},
      {"printer.busy", FactType::kBool, "", "another process holds it: not tested, not a fault"},
      {"printer.holder", FactType::kText, "", "the process that holds it (\"payapp pid 812\")"},
      {"printer.busy_unknown", FactType::kBool, "",
       "posdiag could not rule out a holder it may not see, and sent nothing"},
      {"printer.vid", FactType::kInt, "", "USB vendor id"},
      {"printer.pid", FactType::kInt, "", "USB product id"},
      {"printer.model", FactType::kText, "", "IEEE 1284 device ID MDL"},
      {"printer.manufacturer", FactType::kText, "", "IEEE 1284 device ID MFG"},
      {"printer.command_set", FactType::kText, "", "IEEE 1284 device ID CMD"},
      {"printer.responds", FactType::kBool, "", "some DLE EOT query got a status byte back"},
      {"printer.connection_lost", FactType::kBool, "", "the port went away mid-query"},
      {"printer.online", FactType::kBool, "", "DLE EOT 1 bit 3 clear"},
      {"printer.cover_open", FactType::kBool, "", "DLE EOT 2 bit 2"},
      {"printer.paper_end", FactType::kBool, "", "DLE EOT 4 (or DLE EOT 2 bit 5)"},
      {"printer.paper_near_end", FactType::kBool, "", "DLE EOT 4 bits 2-3"},
      {"printer.cutter_error", FactType::kBool, "", "DLE EOT 3 bit 3"},
      {"printer.mechanical_error", FactType::kBool, "", "DLE EOT 3 bit 2 (recoverable error)"},
      {"printer.unrecoverable_error", FactType::kBool, "", "DLE EOT 3 bit 5"},
      {"printer.head_overheat", FactType::kBool, "", "DLE EOT 3 bit 6 (auto-recoverable error)"},
      {"printer.framing_errors", FactType::kInt, "", "status bytes that failed the 0xx1xx10 check"},
      {"printer.bytes_sent", FactType::kInt, "", "bytes written to the printer"},
      {"printer.bytes_received", FactType::kInt, "", "bytes read from the printer"},
      {"printer.query_ms", FactType::kReal, "ms", "how long the status dialogue took"},
      {"printer.test_slip_sent", FactType::kBool, "", "the test slip went out (engineer level)"},
      {"printer.test_slip_error", FactType::kText, "", "why the test slip failed"},
  });
}

Support PrinterProbe::CheckSupport(const ProbeContext& /*ctx*/) { return Support::Yes(); }

Result<void> PrinterProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  if (ctx.section.GetString("transport") == "usb") return MeasureUsb(ctx, out);
  const std::string port = ctx.section.GetString("port");
  io::SerialSettings settings;
  settings.baud = static_cast<int>(ctx.section.GetInt("baud"));
  settings.parity = io::ParityFromName(ctx.section.GetString("parity"));
  settings.flow_control = io::FlowControlFromName(ctx.section.GetString("flow_control"));
  out.Set("printer.transport", std::string("serial"));
  out.Set("printer.port", port);
  const io::Deadline deadline(ctx.deadline.at() - kReserve);
  auto access = OpenSerialForProbe(
      ctx, port, settings,
      {"printer.detected", "printer.busy", "printer.holder", "printer.busy_unknown"},
      ctx.section.GetBool("shared"), deadline, out);
  if (!access.port) {
    AllMissing(out, access.why_not);
    return access.result;
  }
  pr::SerialTransport transport(std::move(access.port));
  const pr::StatusReading reading = pr::QueryStatus(transport, deadline, ctx.stop);
  WriteReading(reading, out);
  WriteTestSlip(ctx, reading, transport, deadline, out);
  return Ok();
}

}  // namespace posdiag::agent::probes
