// Reading a hand-off summary back, as the support desk does (`posdiag decode`, `posdiag-fleet
// decode`): the summary with the catalogue's titles and remedies, and the signature's state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/handoff/signing.h"
#include "agent/handoff/summary.h"
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

// The decoded summary as text, with titles and first remedies from `catalog` in `lang`.
std::string RenderHandoffText(const handoff::Payload& payload, handoff::SignatureState state,
                              const std::vector<rules::Rule>& catalog, rules::Lang lang);

}  // namespace posdiag::agent
