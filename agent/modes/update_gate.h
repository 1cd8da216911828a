// `posdiag update-gate`: after an A/B update, the boot self-test decides whether the new slot is
// kept. Only the payment path counts (by default the network to the payment host, the card
// readers and the system: clock, storage, the payment application): paper running out the day an
// update lands must not roll it back. A payment-path check that could not complete is not a pass.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/report.h"
#include "drivers/base/result.h"

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

// The booted slot as `rauc status --detailed --output-format=json` tells it. `activation` is
// RAUC's record of the last install that made the slot primary ("COUNT TIMESTAMP"), empty when
// the slot was never installed by RAUC (a factory image). A new activation the gate has not kept
// yet is an update on trial (posdiag-update-gate compares it with the one it kept last).
struct RaucBootedSlot {
  std::string bootname;
  std::string boot_status;  // "good", "bad", or empty when RAUC does not say
  std::string activation;
};

// Pure: kParse for text that is not RAUC's JSON, kNotFound when no slot is the booted one.
Result<RaucBootedSlot> ParseRaucStatus(std::string_view json);

// `posdiag update-gate --rauc-status FILE`: prints "BOOTNAME BOOT_STATUS ACTIVATION" (ACTIVATION
// "never" when there is none), exit 0; exit 3 with the reason when the file cannot be read.
int RunRaucBootedSlot(const std::string& path);

}  // namespace posdiag::agent
