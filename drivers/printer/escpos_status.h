// ESC/POS real-time status (DLE EOT n, `10 04 n`): a pure decoder over the bytes a printer sent in
// answer to one query. Every status byte has the fixed pattern 0xx1xx10, checked with
// (b & 0x93) == 0x12; a byte that fails it is a framing error (wrong baud rate, line noise, a
// reply to something else), never a status. XON/XOFF (0x11/0x13) that a printer inserts for flow
// control are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "drivers/base/result.h"

namespace posdiag::drivers::printer {

inline constexpr std::uint8_t kDle = 0x10;
inline constexpr std::uint8_t kEot = 0x04;
inline constexpr std::uint8_t kXon = 0x11;
inline constexpr std::uint8_t kXoff = 0x13;

// True when `b` has the fixed bits of a DLE EOT reply.
constexpr bool IsDleEotByte(std::uint8_t b) { return (b & 0x93) == 0x12; }

// One DLE EOT reply. Only the fields of its `n` mean anything; the others stay false.
struct DleEotReply {
  int n = 0;
  std::optional<std::uint8_t> raw;  // the status byte; nullopt when none came back
  std::size_t framing_errors = 0;   // bytes that failed the fixed-bit check
  std::size_t flow_control = 0;     // XON/XOFF bytes skipped
  std::size_t extra = 0;            // further status bytes after the first (late replies)
  // n = 1: printer
  bool offline = false;
  bool drawer_pin3_high = false;
  bool waiting_online_recovery = false;
  bool feed_button_pressed = false;
  // n = 2: offline cause
  bool cover_open = false;
  bool paper_fed_by_button = false;
  bool stopped_paper_end = false;
  bool error_occurred = false;
  // n = 3: error cause
  bool recoverable_error = false;  // mechanical
  bool cutter_error = false;
  bool unrecoverable_error = false;
  bool auto_recoverable_error = false;  // e.g. head overheat
  // n = 4: roll paper sensor
  bool paper_near_end = false;
  bool paper_end = false;
};

// Decodes what came back for DLE EOT `n` (1..4; anything else is kInvalid). The last byte that
// passes the fixed-bit check is the status (an earlier one is a late reply to an earlier query);
// with none, `raw` is empty and the counts say what came instead.
Result<DleEotReply> DecodeDleEot(int n, std::span<const std::uint8_t> bytes);

}  // namespace posdiag::drivers::printer
