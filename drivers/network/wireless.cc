#include "drivers/network/wireless.h"

#include <charconv>

namespace posdiag::drivers::network {
namespace {

constexpr std::size_t kMaxRows = 64;
constexpr std::int64_t kNoNoise = -256;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view NextField(std::string_view& rest) {
  while (!rest.empty() && IsSpace(rest.front())) rest.remove_prefix(1);
  std::size_t n = 0;
  while (n < rest.size() && !IsSpace(rest[n])) ++n;
  const std::string_view field = rest.substr(0, n);
  rest.remove_prefix(n);
  return field;
}

// "54." or "-56" or "-256": an integer, the trailing '.' meaning "updated".
std::optional<std::int64_t> ParseValue(std::string_view field) {
  if (!field.empty() && field.back() == '.') field.remove_suffix(1);
  if (field.empty() || field.size() > 12) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<std::vector<WirelessRow>> ParseProcNetWireless(std::string_view text) {
  std::vector<WirelessRow> rows;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (line_no <= 2) continue;  // the two header lines
    std::string_view rest = line;
    while (!rest.empty() && IsSpace(rest.front())) rest.remove_prefix(1);
    if (rest.empty()) continue;
    const std::string where = "/proc/net/wireless line " + std::to_string(line_no);
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 15) {
      return Error{ErrorKind::kParse, where + ": no interface name"};
    }
    WirelessRow row;
    row.interface = std::string(rest.substr(0, colon));
    for (char c : row.interface) {
      if (c <= ' ' || c > '~' || c == '/') {
        return Error{ErrorKind::kParse, where + ": bad interface name"};
      }
    }
    rest.remove_prefix(colon + 1);
    (void)NextField(rest);  // status, hexadecimal
    const auto link = ParseValue(NextField(rest));
    const auto level = ParseValue(NextField(rest));
    const auto noise = ParseValue(NextField(rest));
    if (!link || !level || !noise) {
      return Error{ErrorKind::kParse, where + ": expected link, level and noise values"};
    }
    row.link_quality = static_cast<double>(*link);
    row.level = *level;
    if (*noise != kNoNoise) row.noise_dbm = *noise;
    rows.push_back(std::move(row));
    if (rows.size() > kMaxRows) {
      return Error{ErrorKind::kParse, "/proc/net/wireless: more than 64 interfaces"};
    }
  }
  return rows;
}

}  // namespace posdiag::drivers::network
