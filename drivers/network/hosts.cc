#include "drivers/network/hosts.h"

#include <cctype>

#include "drivers/base/text.h"

namespace posdiag::drivers::network {
namespace {

// nsswitch.conf(5) limits nothing, but a line longer than this is not a real configuration.
constexpr std::size_t kMaxWords = 64;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view NextLine(std::string_view& text) {
  const std::size_t nl = text.find('\n');
  const std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  return line;
}

std::string_view StripComment(std::string_view line) {
  const std::size_t hash = line.find('#');
  return hash == std::string_view::npos ? line : line.substr(0, hash);
}

// Splits on ASCII white space.
std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsAsciiSpace(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !IsAsciiSpace(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool StatusFromName(std::string_view name, NssStatus& status) {
  static constexpr std::pair<std::string_view, NssStatus> kNames[] = {
      {"success", NssStatus::kSuccess},
      {"notfound", NssStatus::kNotFound},
      {"unavail", NssStatus::kUnavail},
      {"tryagain", NssStatus::kTryAgain}};
  for (const auto& [n, s] : kNames) {
    if (EqualsIgnoreCase(name, n)) {
      status = s;
      return true;
    }
  }
  return false;
}

// One criterion inside [...]: "NOTFOUND=return", "!UNAVAIL=return". `merge` is treated as
// `continue`: for a single address lookup the difference does not matter.
void ApplyCriterion(std::string_view criterion, NssStep& step) {
  bool negate = false;
  if (!criterion.empty() && criterion.front() == '!') {
    negate = true;
    criterion.remove_prefix(1);
  }
  const std::size_t eq = criterion.find('=');
  if (eq == std::string_view::npos) return;
  NssStatus status{};
  if (!StatusFromName(Trim(criterion.substr(0, eq)), status)) return;
  const std::string_view action = Trim(criterion.substr(eq + 1));
  bool stop = false;
  if (EqualsIgnoreCase(action, "return")) {
    stop = true;
  } else if (!EqualsIgnoreCase(action, "continue") && !EqualsIgnoreCase(action, "merge")) {
    return;
  }
  for (int s = 0; s < 4; ++s) {
    const bool named = s == static_cast<int>(status);
    if (named != negate) step.stop_on[static_cast<std::size_t>(s)] = stop;
  }
}

HostsOrder GlibcDefaultForMissingLine() {
  HostsOrder order;
  NssStep dns{HostsSource::kDns};
  ApplyCriterion("!UNAVAIL=return", dns);
  order.steps = {dns, NssStep{HostsSource::kFiles}};
  order.origin = "default (nsswitch.conf has no hosts line)";
  return order;
}

}  // namespace

std::string HostsOrderText(const HostsOrder& order) {
  std::string out;
  for (const auto& step : order.steps) {
    if (!out.empty()) out += ' ';
    out += step.source == HostsSource::kFiles ? "files" : "dns";
    const NssStep plain{step.source};
    if (step.stop_on == plain.stop_on) continue;
    static constexpr std::string_view kNames[] = {"SUCCESS", "NOTFOUND", "UNAVAIL", "TRYAGAIN"};
    std::string criteria;
    for (std::size_t s = 0; s < 4; ++s) {
      if (step.stop_on[s] == plain.stop_on[s]) continue;
      if (!criteria.empty()) criteria += ' ';
      criteria += std::string(kNames[s]) + (step.stop_on[s] ? "=return" : "=continue");
    }
    out += " [" + criteria + "]";
  }
  return out;
}

HostsOrder DefaultHostsOrder() {
  HostsOrder order;
  order.steps = {NssStep{HostsSource::kFiles}, NssStep{HostsSource::kDns}};
  order.origin = "default (no nsswitch.conf)";
  return order;
}

HostsOrder ParseNsswitchHosts(std::string_view nsswitch_conf) {
  while (!nsswitch_conf.empty()) {
    std::string_view line = Trim(StripComment(NextLine(nsswitch_conf)));
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos ||
        !EqualsIgnoreCase(Trim(line.substr(0, colon)), "hosts")) {
      continue;
    }
    // The first hosts line counts, as in glibc.
    HostsOrder order;
    order.origin = "nsswitch.conf";
    std::string_view rest = line.substr(colon + 1);
    NssStep* last = nullptr;  // the step a [...] after it applies to; null after an ignored source
    std::size_t words = 0;
    while (!rest.empty() && words++ < kMaxWords) {
      rest = Trim(rest);
      if (rest.empty()) break;
      if (rest.front() == '[') {
        const std::size_t close = rest.find(']');
        const std::string_view inside =
            rest.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
        rest.remove_prefix(close == std::string_view::npos ? rest.size() : close + 1);
        if (last == nullptr) continue;
        for (const auto criterion : Words(inside)) ApplyCriterion(criterion, *last);
        continue;
      }
      std::size_t end = 0;
      while (end < rest.size() && !IsAsciiSpace(rest[end]) && rest[end] != '[') ++end;
      const std::string_view word = rest.substr(0, end);
      rest.remove_prefix(end);
      if (EqualsIgnoreCase(word, "files") || EqualsIgnoreCase(word, "dns")) {
        order.steps.push_back(
            NssStep{EqualsIgnoreCase(word, "files") ? HostsSource::kFiles : HostsSource::kDns});
        last = &order.steps.back();
      } else {
        order.ignored.emplace_back(word);
        last = nullptr;
      }
    }
    return order;
  }
  return GlibcDefaultForMissingLine();
}

std::vector<IpAddress> LookupHostsFile(std::string_view hosts_text, std::string_view name) {
  std::vector<IpAddress> out;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return out;
  while (!hosts_text.empty()) {
    const auto words = Words(StripComment(NextLine(hosts_text)));
    if (words.size() < 2) continue;
    bool named = false;
    for (std::size_t i = 1; i < words.size() && !named; ++i) {
      std::string_view w = words[i];
      if (!w.empty() && w.back() == '.') w.remove_suffix(1);
      named = EqualsIgnoreCase(w, name);
    }
    if (!named) continue;
    if (auto address = ParseIpLiteral(words[0])) out.push_back(std::move(*address));
  }
  return out;
}

}  // namespace posdiag::drivers::network
