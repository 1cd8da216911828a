// Reading a hand-off summary back, as the support desk does (`posdiag decode`, `posdiag-fleet
// decode`): the summary with the catalogue's titles and remedies, and the signature's state.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "agent/handoff/signing.h"
#include "agent/handoff/summary.h"
#include "drivers/base/result.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

// `posdiag decode [--pubkey FILE] [--lang L] [--format text|json] [PAYLOAD | -]`: the summary with
// the catalogue's titles and remedies, and the signature's state. Exit 0 valid, 1 absent or
// unknown key, 2 INVALID, 3 unreadable (or a public key that cannot be read).
struct DecodeArgs {
  std::optional<std::string> pubkey;
  rules::Lang lang = rules::Lang::kZhCn;
  bool json = false;
  std::string payload = "-";  // "-": read it from stdin
};
int RunDecode(const DecodeArgs& args);

// The payload's text as `decode` is given it: `argument` itself, or for "-" all that `in` holds
// (at most 64 KiB; more, or a read error, is an error). handoff::ParsePayload then drops the
// white space and the "QR-Code:" label around it.
Result<std::string> ReadDecodeInput(const std::string& argument, std::FILE* in);

// The decoded summary as text, with titles and first remedies from `catalog` in `lang`.
std::string RenderHandoffText(const handoff::Payload& payload, handoff::SignatureState state,
                              const std::vector<rules::Rule>& catalog, rules::Lang lang);

// The same as JSON (`decode --json`), one document ending in a newline.
std::string RenderHandoffJson(const handoff::Payload& payload, handoff::SignatureState state,
                              const std::vector<rules::Rule>& catalog, rules::Lang lang);

}  // namespace posdiag::agent
