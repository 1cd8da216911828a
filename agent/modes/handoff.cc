#include "agent/modes/handoff.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "agent/fleet/fleet_settings.h"
#include "agent/handoff/slip_content.h"
#include "agent/modes/diagnose.h"
#include "agent/probes/display/display_device.h"
#include "agent/probes/printer/slip_print.h"
#include "agent/sinks/log_sink.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/time_format.h"
#include "drivers/base/unique_fd.h"

namespace posdiag::agent {
namespace {

using handoff::SignatureState;

std::string IdProblem(const ConfigValue& value) {
  const auto& id = std::get<std::string>(value);
  if (id.empty() || id.size() > handoff::kMaxTerminalId) {
    return "must be 1 to " + std::to_string(handoff::kMaxTerminalId) + " characters";
  }
  for (const char c : id) {
    if (c < 0x20 || c >= 0x7F) return "must be printable ASCII";
  }
  return "";
}

}  // namespace

SectionSpec ReportSection() {
  return {"report",
          "the report's hand-off to support: the signed summary in the QR code and on the slip",
          {TerminalPath("signing_key")
               .Means("the Ed25519 private key (PEM, from `posdiag keygen`) that signs the "
                      "summary; without it the summary is unsigned and says so"),
           String("terminal_id")
               .Check(IdProblem)
               .DefaultText("[fleet] terminal_id, else the serial number (device tree, DMI) or "
                            "/etc/machine-id, else the host name")
               .Means("the terminal's ID in the summary (printable ASCII, at most 32)")}};
}

std::string TerminalId(const Config& config, const io::RootFs& fs) {
  const ConfigSection& section = config.Section("report");
  if (section.Has("terminal_id")) return section.GetString("terminal_id");
  // The name the desk knows the terminal by: [fleet] terminal_id, else its serial number or
  // machine-id, as the fleet finds it.
  if (const ConfigSection& fleet = config.Section("fleet");
      fleet.present() && fleet.Has("terminal_id")) {
    return fleet.GetString("terminal_id");
  }
  if (auto found = fleet::DiscoverTerminalId(fs)) {
    if (found->first.size() <= handoff::kMaxTerminalId) return found->first;
  }
  if (auto name = fs.ReadAttr("/proc/sys/kernel/hostname")) {
    std::string id;
    for (const char c : *name) {
      if (c > 0x20 && c < 0x7F && id.size() < handoff::kMaxTerminalId) id.push_back(c);
    }
    if (!id.empty()) return id;
  }
  return "unknown";
}

Result<std::shared_ptr<const handoff::SigningKey>> LoadSigningKey(const Config& config,
                                                                  const io::RootFs& fs) {
  const ConfigSection& section = config.Section("report");
  if (!section.Has("signing_key")) return std::shared_ptr<const handoff::SigningKey>();
  auto key = handoff::SigningKey::Load(fs.Path(section.GetString("signing_key")));
  if (!key) return key.error();
  return std::shared_ptr<const handoff::SigningKey>(std::move(*key));
}

Result<std::string> MakeHandoff(const Report& report, const std::string& terminal_id,
                                const handoff::SigningKey* key) {
  const handoff::Summary summary = handoff::Summarize(report, terminal_id, key != nullptr);
  return handoff::EncodePayload(summary, key);
}

Result<std::size_t> PrintReportSlip(const Diagnoser& d, const Report& report,
                                    std::chrono::milliseconds timeout) {
  if (auto busy = d.TransactionInProgress())
    return Error{ErrorKind::kBusy, "not printed: " + *busy};
  const auto display = probes::ReadDisplaySettings(d.config().Section("display"));
  const rules::Lang lang = display ? display->lang : rules::Lang::kZhCn;
  auto bytes = drivers::printer::BuildSlip(handoff::SlipFor(report, lang, d.terminal_id()),
                                           probes::PaperOf(d.config().Section("printer")));
  if (!bytes) return bytes.error().Context("not printed");
  auto sent = probes::PrintSlip(d.config(), d.fs(), d.openers(), *bytes, io::Deadline::In(timeout));
  if (d.log()) {
    if (sent) {
      d.log()->info("slip report={} bytes={}", report.report_id, *sent);
    } else {
      d.log()->warn("slip report={} error={}", report.report_id, LogValue(sent.error().detail));
    }
  }
  return sent;
}

int RunKeygen(const std::string& path) {
  auto key = handoff::SigningKey::Generate();
  if (!key) {
    std::fprintf(stderr, "posdiag: keygen: %s\n", key.error().detail.c_str());
    return 3;
  }
  std::string pem = (*key)->PrivatePem();
  // Never over an existing file (an overwritten key cannot be got back), never readable by others.
  io::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) {
    const int err = errno;
    std::fprintf(stderr, "posdiag: keygen: %s\n", ErrnoError(path, err).detail.c_str());
    return 3;
  }
  std::size_t done = 0;
  bool failed = ::fchmod(fd.get(), 0600) != 0;
  while (!failed && done < pem.size()) {
    const ssize_t n = ::write(fd.get(), pem.data() + done, pem.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed = true;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  failed = failed || ::fsync(fd.get()) != 0;
  std::fill(pem.begin(), pem.end(), '\0');
  if (failed) {
    const int err = errno;
    ::unlink(path.c_str());
    std::fprintf(stderr, "posdiag: keygen: %s\n", ErrnoError(path, err).detail.c_str());
    return 3;
  }
  std::fputs((*key)->PublicPem().c_str(), stdout);
  std::fprintf(stderr,
               "posdiag: keygen: private key written to %s; set [report] signing_key to it and "
               "give the public key above to the support desk\n",
               path.c_str());
  return 0;
}

}  // namespace posdiag::agent
