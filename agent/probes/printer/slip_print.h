// Printing the hand-off slip on the receipt printer of [printer]: the one place outside the probe
// that writes to it, and only when asked (the console's `print`, the daemon's [keys] print). The
// printer is approached as the probe approaches it — a port or interface another process holds is
// left alone and nothing is sent — and its real-time status is read first: on paper end, an open
// cover, offline or an error, nothing is printed. Every refusal says why.
// Example:
//   auto sent = PrintSlip(config, fs, openers, bytes, io::Deadline::In(10s));
//   if (!sent) say(sent.error().detail);  // "not printed: the printer is out of paper"
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "agent/config.h"
#include "agent/openers.h"
#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/root_fs.h"
#include "drivers/printer/escpos_status.h"
#include "drivers/printer/printer.h"
#include "drivers/printer/slip.h"

namespace posdiag::agent::probes {

// [printer] paper: the slip's width.
drivers::printer::PaperWidth PaperOf(const ConfigSection& printer);

// Why a printer in this state must not print, or "" when it may: out of paper, cover open,
// offline, an error, or no answer at all.
std::string WhyNotPrint(const drivers::printer::StatusReading& reading);

// Sends `bytes` to the [printer] after its status allowed it; returns how many went out.
// kNotFound: no [printer] table, or no printer; kBusy: another process holds it; kInvalid: its
// status forbids printing; kTimeout, kIo: the printer went away or did not take the bytes in time.
Result<std::size_t> PrintSlip(const Config& config, const io::RootFs& fs, const Openers& open,
                              std::span<const std::uint8_t> bytes, io::Deadline deadline);

}  // namespace posdiag::agent::probes
