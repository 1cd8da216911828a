// `posdiag update-gate`: after an A/B update, the boot self-test decides whether the new slot is
// kept. Only the payment path counts (by default the network to the payment host, the card
// readers and the system: clock, storage, the payment application): paper running out the day an
// update lands must not roll it back. A payment-path check that could not complete is not a pass.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/report.h"

namespace posdiag::agent {

inline const std::vector<std::string> kPaymentPath{"network", "card_reader", "magstripe", "system"};

struct GateVerdict {
  enum class Kind { kKeep, kRollBack, kCannotTell };
  Kind kind = Kind::kCannotTell;
  std::vector<std::string>
      reasons;  // one line each: the finding or the check that did not complete
};

// Pure: error or critical findings of those components roll back; else a probe of those
// components that could not complete, a network probe that did not run (not configured), or
// nothing measured at all cannot tell; else keep.
GateVerdict JudgeUpdate(const Report& report, const std::vector<std::string>& components);

// Runs the boot-level diagnosis (saved, logged and sent like any other, kind "update-gate"),
// prints the verdict, and exits 0 keep, 2 roll back, 3 cannot tell (or a bad config).
int RunUpdateGate(const std::optional<std::string>& config,
                  const std::vector<std::string>& components);

}  // namespace posdiag::agent
