// How the terminal's C library looks a host name up: the `hosts:` line of /etc/nsswitch.conf
// (which sources, in which order, and when to stop) and the table of /etc/hosts. Both parsers are
// pure functions over the files' text, so the probe reads the terminal's own files under [system]
// root and a test or fuzzer hands them any bytes.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/network/endpoint.h"

namespace posdiag::drivers::network {

// The sources posdiag can follow; others on the line (mdns4_minimal, myhostname, resolve, ...)
// are listed in HostsOrder::ignored.
enum class HostsSource { kFiles, kDns };

// What a source's lookup came to, as nsswitch.conf(5) names it.
enum class NssStatus { kSuccess = 0, kNotFound = 1, kUnavail = 2, kTryAgain = 3 };

struct NssStep {
  HostsSource source = HostsSource::kFiles;
  // For each NssStatus: true to stop after this source ("return"), false to go on to the next.
  // The defaults: return on success, continue otherwise.
  std::array<bool, 4> stop_on{true, false, false, false};
  bool StopsOn(NssStatus status) const { return stop_on[static_cast<int>(status)]; }
};

struct HostsOrder {
  std::vector<NssStep> steps;
  std::vector<std::string> ignored;  // sources named on the line that posdiag does not follow
  // Where the order came from: "nsswitch.conf", "default (no nsswitch.conf)" or
  // "default (nsswitch.conf has no hosts line)".
  std::string origin;
};

// "files dns" or "dns [!UNAVAIL=return] files": the steps as nsswitch.conf would spell them.
std::string HostsOrderText(const HostsOrder& order);

// The order for a terminal without /etc/nsswitch.conf: `files dns`. Such an image is almost
// always musl or uClibc, which read /etc/hosts before asking DNS (glibc's own built-in default,
// "dns [!UNAVAIL=return] files", applies to a glibc image, which ships the file).
HostsOrder DefaultHostsOrder();

// The `hosts:` line of an nsswitch.conf text. A file without one gets glibc's default for a
// missing line, "dns [!UNAVAIL=return] files". Never fails: words it does not know are ignored
// (sources into `ignored`), as the C library ignores them.
HostsOrder ParseNsswitchHosts(std::string_view nsswitch_conf);

// The addresses /etc/hosts gives `name` (case-insensitive, a trailing dot ignored), in file order:
// every line whose canonical name or an alias is `name`. Comments, malformed lines and addresses
// that do not parse are skipped.
std::vector<IpAddress> LookupHostsFile(std::string_view hosts_text, std::string_view name);

}  // namespace posdiag::drivers::network
