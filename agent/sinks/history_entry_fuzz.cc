// Fuzz target: ParseHistoryEntry must turn any bytes into an entry or an Error, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/sinks/history.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto entry = posdiag::agent::ParseHistoryEntry(text);
  if (entry.ok()) {
    // What the history listing does with an entry must be safe too.
    posdiag::agent::Listing listing;
    listing.entries.push_back(std::move(*entry));
    (void)posdiag::agent::Frequency(listing);
    (void)posdiag::agent::RenderHistory(listing, posdiag::rules::Lang::kEn);
  }
  return 0;
}
