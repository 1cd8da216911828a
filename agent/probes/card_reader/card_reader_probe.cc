#include "agent/probes/card_reader/card_reader_probe.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "agent/serial_access.h"
#include "drivers/card_reader/ccid.h"
#include "drivers/card_reader/pcsc.h"
#include "drivers/card_reader/reader.h"
#include "drivers/io/serial_port.h"
#include "drivers/io/usb_device.h"

namespace posdiag::agent::probes {
namespace {

namespace cr = drivers::card_reader;

// Facts are written well before the runner's deadline, so a slow reader still yields them.
constexpr std::chrono::milliseconds kReserve{150};
// The CCID driver's default read timeout.
constexpr std::chrono::milliseconds kCommandTimeout{3000};
// A HardwareError the reader has queued is there at once; nothing is waited for.
constexpr std::chrono::milliseconds kInterruptWait{20};

constexpr const char* kSessionFacts[] = {"card_reader.responds", "card_reader.slot.icc_status",
                                         "card_reader.slot.clock_status", "card_reader.hw_error",
                                         "card_reader.error"};
constexpr const char* kCardFacts[] = {"card_reader.card_mute", "card_reader.atr.valid",
                                      "card_reader.atr.length", "card_reader.atr.protocols"};

void MissingAll(FactWriter& out, const std::string& why, bool session = true) {
  if (session) {
    for (const char* name : kSessionFacts) out.Missing(name, why);
  }
  for (const char* name : kCardFacts) out.Missing(name, why);
}

io::Deadline Step(const io::Deadline& overall) {
  const io::Deadline step = io::Deadline::In(kCommandTimeout);
  return step.at() < overall.at() ? step : overall;
}

std::string Protocols(const std::vector<int>& protocols) {
  std::string s;
  for (int t : protocols) s += (s.empty() ? "T=" : ",T=") + std::to_string(t);
  return s;
}

// pcscd owns the reader: its view of the slot, from the first reader it knows (`readers`, when
// the caller has asked already).
void MeasureThroughPcsc(const ProbeContext& ctx, io::Deadline deadline, FactWriter& out,
                        std::optional<Result<std::vector<cr::PcscReaderState>>> asked = {}) {
  auto readers = asked ? std::move(*asked) : ctx.open.PcscReaders(deadline);
  if (!readers || readers->empty()) {
    MissingAll(out, "the reader is in use and PC/SC gives no state: " +
                        (readers ? std::string("pcscd knows no reader") : readers.error().detail));
    return;
  }
  const cr::PcscReaderState& r = readers->front();
  out.Set("card_reader.pcsc_name", r.name);
  out.Set("card_reader.responds", true);
  out.Set("card_reader.slot.icc_status",
          std::string(!r.present ? "absent" : (r.in_use ? "active" : "inactive")));
  const std::string why = "read through pcscd, which does not report it";
  out.Missing("card_reader.slot.clock_status", why);
  out.Missing("card_reader.hw_error", why);
  out.Missing("card_reader.error", why);
  if (r.present) {
    out.Set("card_reader.card_mute", r.mute);
  } else {
    out.Missing("card_reader.card_mute", "no card in the reader");
  }
  for (const char* name :
       {"card_reader.atr.valid", "card_reader.atr.length", "card_reader.atr.protocols"}) {
    out.Missing(name, "the reader is pcscd's; posdiag does not power the card");
  }
}

// Powers the card, checks its ATR, powers it off again; returns IccPowerOn's bError other than
// ICC_MUTE, if any.
std::optional<std::uint8_t> PowerOnTest(cr::CcidSession& session, const io::Deadline& deadline,
                                        FactWriter& out) {
  auto on = session.PowerOn(Step(deadline));
  if (!on) {
    for (const char* name : kCardFacts) out.Missing(name, on.error().detail);
    return std::nullopt;
  }
  out.Set("card_reader.card_mute", on->mute);
  if (on->mute || on->error) {
    const std::string why = on->mute ? "the card does not answer (ICC_MUTE)"
                                     : "IccPowerOn failed: " + cr::ErrorName(*on->error);
    out.Missing("card_reader.atr.valid", why);
    out.Missing("card_reader.atr.length", why);
    out.Missing("card_reader.atr.protocols", why);
  } else {
    const cr::AtrCheck atr = cr::CheckAtr(on->atr);
    out.Set("card_reader.atr.valid", atr.valid);
    out.Set("card_reader.atr.length", static_cast<std::int64_t>(atr.length), "bytes");
    out.Set("card_reader.atr.protocols", Protocols(atr.protocols));
    if (!atr.valid) out.Set("card_reader.atr.problem", atr.problem);
  }
  // The card is left unpowered as it was found; a failure here is noted, not fatal.
  if (auto off = session.PowerOff(Step(deadline)); !off) {
    out.Set("card_reader.power_off_error", off.error().detail);
  }
  return on->error;
}

// Asks the reader through `transport`: GetSlotStatus, then at engineer level the card's ATR, and
// any hardware error it announced.
void MeasureSession(const ProbeContext& ctx, cr::CcidTransport& transport,
                    const io::Deadline& deadline, FactWriter& out) {
  cr::CcidSession session(transport);
  auto slot = session.GetSlotStatus(Step(deadline));
  if (!slot) {
    out.Set("card_reader.responds", false);
    const std::string why = "the reader does not answer GetSlotStatus: " + slot.error().detail;
    out.Set("card_reader.no_answer", slot.error().detail);
    for (const char* name : kSessionFacts) {
      if (std::string_view(name) != "card_reader.responds") out.Missing(name, why);
    }
    MissingAll(out, why, false);
    return;
  }
  out.Set("card_reader.responds", true);
  out.Set("card_reader.slot.icc_status", std::string(cr::IccStatusName(slot->icc)));
  out.Set("card_reader.slot.clock_status", std::string(cr::ClockStatusName(slot->clock)));
  std::optional<std::uint8_t> error = slot->error;
  if (slot->icc == cr::IccStatus::kAbsent) {
    for (const char* name : kCardFacts) out.Missing(name, "no card in the reader");
  } else if (slot->error) {
    for (const char* name : kCardFacts) out.Missing(name, "the slot reports an error");
  } else if (ctx.level != Level::kEngineer) {
    // Powering a card is a test for an engineer with a test card, never a boot or merchant step.
    for (const char* name : kCardFacts)
      out.Missing(name, "the card is powered at engineer level only");
  } else {
    error = PowerOnTest(session, deadline, out);
  }

  bool hw_error = error && *error == cr::kErrHwError;
  if (!hw_error) {
    const io::Deadline wait = io::Deadline::In(kInterruptWait);
    hw_error =
        transport.PendingHardwareError(wait.at() < deadline.at() ? wait : deadline).has_value();
  }
  out.Set("card_reader.hw_error", hw_error);
  if (error) {
    out.Set("card_reader.error", cr::ErrorName(*error));
  } else {
    out.Missing("card_reader.error", "the reader reported no error");
  }
}

// A reader on a serial port: on the line (the port exists) → free (nobody holds it) → answers.
Result<void> MeasureSerial(const ProbeContext& ctx, const io::Deadline& deadline, FactWriter& out) {
  const std::string port = ctx.section.GetString("port");
  out.Set("card_reader.transport", std::string("serial"));
  out.Set("card_reader.port", port);
  out.Missing("card_reader.max_slot_index", "a serial reader has no CCID class descriptor");

  // pcscd's serial driver (libccid) opens the port without TIOCEXCL or a lock, as another user:
  // the port may look free. When pcscd runs and knows a reader, the serial reader is pcscd's.
  if (auto readers = ctx.open.PcscReaders(Step(deadline)); readers && !readers->empty()) {
    out.Set("card_reader.detected", true);
    out.Set("card_reader.busy", true);
    out.Set("card_reader.busy_unknown", false);
    std::error_code ec;
    const auto device = std::filesystem::canonical(ctx.fs.Path(port), ec);
    const auto holder = ec ? std::nullopt : io::FindDeviceHolder(ctx.fs, device, Step(deadline));
    out.Set("card_reader.holder", holder ? HolderText(*holder) : std::string("pcscd"));
    MeasureThroughPcsc(ctx, Step(deadline), out, std::move(readers));
    return Ok();
  }
  io::SerialSettings settings;
  settings.baud = static_cast<int>(ctx.section.GetInt("baud"));
  // The payment application may own the port: it is theirs then.
  auto access = OpenSerialForProbe(ctx, port, settings,
                                   {"card_reader.detected", "card_reader.busy",
                                    "card_reader.holder", "card_reader.busy_unknown"},
                                   ctx.section.GetBool("shared"), deadline, out);
  if (!access.port) {
    if (access.busy) {
      MeasureThroughPcsc(ctx, Step(deadline), out);
      return Ok();
    }
    MissingAll(out, access.why_not);
    if (!access.result) return access.result.error().Context("card reader");
    return Ok();
  }
  // Whatever the reader said before we asked (a card movement notice) is not a reply.
  (void)access.port->DiscardInput();
  cr::SerialCcidTransport transport(*access.port);
  MeasureSession(ctx, transport, deadline, out);
  return Ok();
}

// A reader on USB: found by class (or [card_reader] vid/pid), busy when another process holds its
// node or its interface, else claimed for the session and released when the device goes away.
Result<void> MeasureUsb(const ProbeContext& ctx, const io::Deadline& deadline, FactWriter& out) {
  out.Set("card_reader.transport", std::string("usb"));
  const bool by_id = ctx.section.Has("vid");
  const auto vid = static_cast<std::uint16_t>(ctx.section.GetInt("vid"));
  const auto pid = static_cast<std::uint16_t>(ctx.section.GetInt("pid"));

  auto devices = ctx.open.ListUsb();
  if (!devices) {
    const Error e = devices.error().Context("card reader: USB");
    out.Missing("card_reader.detected", e.detail);
    out.Missing("card_reader.busy", e.detail);
    MissingAll(out, e.detail);
    return e;
  }
  const io::UsbDeviceInfo* device = nullptr;
  const io::UsbInterface* itf = nullptr;
  for (const io::UsbDeviceInfo& d : *devices) {
    if (by_id && (d.vid != vid || d.pid != pid)) continue;
    if (const io::UsbInterface* found = io::FindInterface(d, cr::kCcidClass)) {
      device = &d;
      itf = found;
      break;
    }
  }
  if (device == nullptr) {
    out.Set("card_reader.detected", false);
    const std::string why = by_id ? "no CCID reader with the configured vid:pid on the USB bus"
                                  : "no CCID reader on the USB bus";
    out.Missing("card_reader.busy", why);
    MissingAll(out, why);
    return Ok();
  }
  out.Set("card_reader.detected", true);
  out.Set("card_reader.vid", std::int64_t{device->vid});
  out.Set("card_reader.pid", std::int64_t{device->pid});
  out.Set("card_reader.device", device->DevNode());

  // pcscd, or the payment application, may own the reader: then it is theirs.
  if (auto holder = io::FindDeviceHolder(ctx.fs, device->DevNode(), deadline)) {
    out.Set("card_reader.busy", true);
    out.Set("card_reader.holder", HolderText(*holder));
    MeasureThroughPcsc(ctx, Step(deadline), out);
    return Ok();
  }

  auto opened = ctx.open.Usb(*device);
  if (!opened) {
    out.Missing("card_reader.busy", opened.error().detail);
    const Error e = opened.error().Context("card reader");
    MissingAll(out, e.detail);
    return e;
  }
  const std::unique_ptr<io::UsbDevice> usb = std::move(*opened);
  if (auto claimed = usb->Claim(itf->number); !claimed) {
    if (claimed.error().kind == ErrorKind::kBusy) {
      out.Set("card_reader.busy", true);  // claimed by a process /proc did not show us
      out.Missing("card_reader.holder", claimed.error().detail);
      MeasureThroughPcsc(ctx, Step(deadline), out);
      return Ok();
    }
    out.Missing("card_reader.busy", claimed.error().detail);
    const Error e = claimed.error().Context("card reader");
    MissingAll(out, e.detail);
    return e;
  }
  out.Set("card_reader.busy", false);

  std::uint32_t max_message = 0;
  if (auto desc = cr::DecodeClassDescriptor(itf->extra)) {
    max_message = desc->max_message_length;
    out.Set("card_reader.max_slot_index", std::int64_t{desc->max_slot_index});
  } else {
    out.Missing("card_reader.max_slot_index", desc.error().detail);
  }
  auto transport = cr::UsbCcidTransport::Make(*usb, *itf, max_message);
  if (!transport) {
    const Error e = transport.error().Context("card reader");
    MissingAll(out, e.detail);
    return e;
  }
  MeasureSession(ctx, *transport, deadline, out);
  return Ok();
}

}  // namespace

std::vector<rules::FactSpec> CardReaderProbe::Facts() const {
  using rules::FactType;
  return rules::MakeFacts({
      {"card_reader.transport", FactType::kText, "", "usb or serial, as configured"},
      {"card_reader.port", FactType::kText, "", "serial: the reader's port"},
      {"card_reader.device", FactType::kText, "", "usb: the reader's device node"},
      {"card_reader.detected", FactType::kBool, "",
       "a CCID interface (class 0x0B, or vid/pid) is on USB / the serial port exists"},
      {"card_reader.busy", FactType::kBool, "",
       "another process (pcscd, the payment application) holds it: read through PC/SC"},
      {"card_reader.holder", FactType::kText, "", "the process that holds it (\"pcscd pid 812\")"},
      {"card_reader.busy_unknown", FactType::kBool, "",
       "serial: posdiag could not rule out a holder it may not see, and sent nothing"},
      {"card_reader.vid", FactType::kInt, "", "USB vendor id"},
      {"card_reader.pid", FactType::kInt, "", "USB product id"},
      {"card_reader.max_slot_index", FactType::kInt, "", "bMaxSlotIndex of the class descriptor"},
      {"card_reader.pcsc_name", FactType::kText, "", "the reader's name in pcscd, when busy"},
      {"card_reader.responds", FactType::kBool, "", "answers PC_to_RDR_GetSlotStatus"},
      {"card_reader.no_answer", FactType::kText, "", "why GetSlotStatus got no reply"},
      {"card_reader.slot.icc_status", FactType::kText, "", "the card: active, inactive or absent"},
      {"card_reader.slot.clock_status", FactType::kText, "",
       "bClockStatus: running, stopped_low, stopped_high, stopped_unknown"},
      {"card_reader.hw_error", FactType::kBool, "",
       "bError HW_ERROR, or a HardwareError on the interrupt endpoint"},
      {"card_reader.error", FactType::kText, "", "the bError name of a failed command"},
      {"card_reader.card_mute", FactType::kBool, "",
       "IccPowerOn with a card inserted gave ICC_MUTE (engineer level)"},
      {"card_reader.atr.valid", FactType::kBool, "",
       "the card's ATR passes TS, length, counts and TCK checks (engineer level)"},
      {"card_reader.atr.length", FactType::kInt, "bytes", "the ATR's length"},
      {"card_reader.atr.protocols", FactType::kText, "", "the protocols the ATR offers (\"T=0\")"},
      {"card_reader.atr.problem", FactType::kText, "", "why the ATR is not valid"},
      {"card_reader.power_off_error", FactType::kText, "",
       "why IccPowerOff failed after the ATR test"},
  });
}

// A wrong table never gets here (the schema refuses it) and a missing reader is a fact.
Support CardReaderProbe::CheckSupport(const ProbeContext& /*ctx*/) { return Support::Yes(); }

Result<void> CardReaderProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  const io::Deadline deadline(ctx.deadline.at() - kReserve);
  if (ctx.section.GetString("transport") == "serial") return MeasureSerial(ctx, deadline, out);
  return MeasureUsb(ctx, deadline, out);
}

}  // namespace posdiag::agent::probes
