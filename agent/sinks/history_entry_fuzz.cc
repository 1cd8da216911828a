// Fuzz target: ParseHistoryEntry must turn any bytes into an entry or an Error, never crash, and
// the `posdiag history` listing of whatever it accepts must stay plain, valid UTF-8 lines; the
// same bytes as a file name get a sequence number only when they are a name posdiag writes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/sinks/history.h"
#include "agent/sinks/log_sink.h"
#include "agent/sinks/text_util.h"

namespace {

// Valid UTF-8 with no control character but the line ends the renderer writes itself.
void CheckPlain(const std::string& text, bool newlines_allowed) {
  if (posdiag::agent::ValidUtf8(text) != text) std::abort();
  for (unsigned char c : text) {
    if (c == '\n' && newlines_allowed) continue;
    if (c < 0x20 || c == 0x7F) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // A file name found in the history directory: a sequence number only for a name we write.
  const long long seq = posdiag::agent::HistorySequence(text);
  if (seq < -1 || seq > 9'999'999'999LL || (seq >= 0 && !text.ends_with(".json"))) std::abort();
  // Saved files reach the terminal and the log through these guards.
  CheckPlain(posdiag::agent::DisplayText(text), false);
  CheckPlain(posdiag::agent::LogValue(text), false);

  auto entry = posdiag::agent::ParseHistoryEntry(text);
  if (!entry.ok()) return 0;
  posdiag::agent::Listing listing;
  listing.entries.push_back(std::move(*entry));
  listing.problems.push_back(std::string(text.substr(0, 64)));
  (void)posdiag::agent::Frequency(listing);
  for (auto lang : {posdiag::rules::Lang::kEn, posdiag::rules::Lang::kZhCn}) {
    const std::string listing_text = posdiag::agent::RenderHistory(listing, lang);
    CheckPlain(listing_text, true);
    // One line for the header, one per entry, one for "problems" and one per problem.
    std::size_t lines = 0;
    for (char c : listing_text) lines += c == '\n' ? 1 : 0;
    if (lines != 4) std::abort();
  }
  return 0;
}
