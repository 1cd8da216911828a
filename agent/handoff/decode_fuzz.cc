// Fuzz target: `posdiag decode` past the payload parser (handoff_payload): the text as it is given
// (an argument, or "-" and stdin), parsed and checked without a key, then shown as text and as
// JSON in both languages. The first byte's low bit says which way the rest comes in. Whatever
// comes in gives a payload or an error; with no key a signature is never "valid"; a payload shows
// as text that ends with its signature line and as JSON that parses back to the same report ID.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/handoff/decode.h"
#include "rules/loader/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace posdiag;
  using namespace posdiag::agent;
  if (size == 0) return 0;
  const bool from_stdin = (data[0] & 1) != 0;
  std::string given(reinterpret_cast<const char*>(data + 1), size - 1);
  Result<std::string> text = Error{ErrorKind::kIo, "not read"};
  if (from_stdin) {
    if (given.empty()) return 0;  // fmemopen wants at least one byte
    std::FILE* in = ::fmemopen(given.data(), given.size(), "r");
    if (in == nullptr) return 0;
    text = ReadDecodeInput("-", in);
    std::fclose(in);
  } else {
    if (given == "-") return 0;  // that would read the fuzzer's own stdin
    text = ReadDecodeInput(given, nullptr);
  }
  // What came in is what is parsed, byte for byte (the limit is past libFuzzer's lengths).
  if (!text || *text != given) __builtin_trap();
  auto payload = handoff::ParsePayload(*text);
  if (!payload) return 0;
  const handoff::SignatureState state = handoff::Verify(*payload, nullptr);
  if (state == handoff::SignatureState::kValid) __builtin_trap();
  const auto& catalog = rules::BuiltinCatalog().rules;
  for (const rules::Lang lang : {rules::Lang::kZhCn, rules::Lang::kEn}) {
    const std::string shown = RenderHandoffText(*payload, state, catalog, lang);
    if (shown.find("\nsignature: ") == std::string::npos || shown.back() != '\n') __builtin_trap();
    const auto json = nlohmann::json::parse(RenderHandoffJson(*payload, state, catalog, lang),
                                            nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.contains("report_id") ||
        json["report_id"] != payload->summary.report_id) {
      __builtin_trap();
    }
  }
  return 0;
}
