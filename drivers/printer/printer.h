// A receipt printer asked for its real-time status: DLE EOT 1, 2, 3 and 4 in turn, one at a time
// (the printer answers each at once, even offline), each under its own deadline and all under the
// caller's. Returns typed readings and the bytes exchanged; knows nothing of facts or rules.
// QueryStatus sends status queries only: it prints, feeds or resets nothing. PrintTestSlip is the
// one call that prints, and only when the caller asks.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <stop_token>
#include <string_view>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/printer/escpos_status.h"
#include "drivers/printer/transport.h"

namespace posdiag::drivers::printer {

// python-escpos waits 1 s for a serial reply; a printer answers DLE EOT within milliseconds.
inline constexpr std::chrono::milliseconds kQueryTimeout{1000};
// Once bytes arrive that are no status, this much quiet ends the wait for one.
inline constexpr std::chrono::milliseconds kQuietGap{100};

struct StatusReading {
  // One per DLE EOT n = 1..4; an error when the query could not be made or was not made.
  std::array<Result<DleEotReply>, 4> replies{
      Error{ErrorKind::kTimeout, "not asked"}, Error{ErrorKind::kTimeout, "not asked"},
      Error{ErrorKind::kTimeout, "not asked"}, Error{ErrorKind::kTimeout, "not asked"}};
  bool responds = false;         // at least one query got a status byte back
  bool connection_lost = false;  // the device went away (closed, I/O error) between transfers
  Error no_answer{ErrorKind::kTimeout, ""};  // why not, when it does not respond or was lost
  std::size_t framing_errors = 0;
  std::size_t bytes_sent = 0;
  std::size_t bytes_received = 0;
  std::chrono::microseconds elapsed{0};  // from the first query to the last reply
};

// Asks DLE EOT 1..4. A query that hears nothing ends the dialogue (the printer is silent; the rest
// are "not asked"); an I/O error ends it as a lost connection. Stops early at the deadline or when
// `stop` is requested.
StatusReading QueryStatus(PrinterTransport& transport, io::Deadline deadline,
                          std::stop_token stop = {});

// The bytes of a short test slip: ESC @ (initialise), "posdiag test slip" and `when` on their own
// lines (anything outside printable ASCII in `when` becomes '?'), ESC d 4 (feed four lines) and
// GS V 1 (partial cut). Pure, so the slip is checked byte for byte.
std::vector<std::uint8_t> BuildTestSlip(std::string_view when);

// Sends BuildTestSlip(when) before the deadline; returns how many bytes went out.
Result<std::size_t> PrintTestSlip(PrinterTransport& transport, std::string_view when,
                                  io::Deadline deadline);

}  // namespace posdiag::drivers::printer
