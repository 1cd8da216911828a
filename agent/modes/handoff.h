// The hand-off to support (docs/hand-off.md) as the modes use it: [report] (the signing key, the
// terminal ID), the signed summary of a finished report, `posdiag keygen` and `posdiag decode`.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agent/config.h"
#include "agent/handoff/decode.h"
#include "agent/handoff/signing.h"
#include "agent/handoff/summary.h"
#include "agent/report.h"
#include "drivers/io/root_fs.h"
#include "rules/engine/rule.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent {

// [report]: signing_key (a terminal path), terminal_id.
SectionSpec ReportSection();

// [report] terminal_id, else [fleet] terminal_id, else the serial number or machine-id the fleet
// would take (fleet::DiscoverTerminalId), else the host name (/proc/sys/kernel/hostname under the
// root), else "unknown": the QR code and the desk name a terminal the same way.
std::string TerminalId(const Config& config, const io::RootFs& fs);

// [report] signing_key loaded, or null when none is configured; an error when one is configured
// but cannot be used (the summary is then unsigned, and the caller says why).
Result<std::shared_ptr<const handoff::SigningKey>> LoadSigningKey(const Config& config,
                                                                  const io::RootFs& fs);

// The summary of a finished report as the QR code carries it, signed with `key` when not null.
Result<std::string> MakeHandoff(const Report& report, const std::string& terminal_id,
                                const handoff::SigningKey* key);

class Diagnoser;

// The report's slip on [printer], in the display's language ([display] lang), on its paper
// ([printer] paper), within `timeout`: the number of bytes sent, or why nothing was printed.
Result<std::size_t> PrintReportSlip(const Diagnoser& diagnoser, const Report& report,
                                    std::chrono::milliseconds timeout);

// `posdiag keygen FILE`: a new Ed25519 private key in FILE (mode 0600, never over an existing
// file), its public key in PEM on stdout. 0, or 3 when the key cannot be written.
int RunKeygen(const std::string& path);

}  // namespace posdiag::agent
