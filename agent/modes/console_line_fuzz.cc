// Fuzz target: whatever arrives on the console's cable, the line assembler holds at most one line
// of max_line printable ASCII bytes, echoes only what a terminal can show, and every line it gives
// parses into a command or an error; a `show` command only ever carries a valid report ID. The
// PIN hash parser (config text) gets the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "agent/modes/console_line.h"
#include "agent/modes/pin_hash.h"
#include "agent/report_id.h"

namespace {

bool Printable(std::string_view s) {
  for (const unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace posdiag::agent;
  if (size < 2) return 0;
  const std::size_t max_line = 1 + data[0] % 64;
  const std::size_t chunk = 1 + data[1] % 32;
  std::span<const std::uint8_t> in(data + 2, size - 2);

  (void)ParsePinHash(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));

  LineAssembler lines(max_line);
  while (!in.empty()) {
    const std::size_t n = std::min(chunk, in.size());
    std::span<const std::uint8_t> piece = in.first(n);
    in = in.subspan(n);
    while (!piece.empty()) {
      LineEvent event;
      std::string echo;
      const std::size_t used = lines.Feed(piece, event, echo);
      if (used == 0 || used > piece.size()) std::abort();
      piece = piece.subspan(used);
      if (lines.pending() > max_line) std::abort();
      for (const unsigned char c : echo) {
        if (c != '\r' && c != '\n' && c != '\b' && (c < 0x20 || c > 0x7e)) std::abort();
      }
      if (event.status == LineStatus::kNone) continue;
      if (event.status != LineStatus::kLine) {
        if (!event.text.empty()) std::abort();
        continue;
      }
      if (event.text.size() > max_line || !Printable(event.text)) std::abort();
      auto command = ParseCommand(event.text);
      if (!command) {
        if (!Printable(command.error().detail)) std::abort();
        continue;
      }
      if (command->name == CommandName::kShow && !IsValidReportId(command->word)) std::abort();
      if ((command->name == CommandName::kHistory || command->name == CommandName::kLog) &&
          (command->count < 1 || command->count > kMaxListCount)) {
        std::abort();
      }
    }
  }
  return 0;
}
