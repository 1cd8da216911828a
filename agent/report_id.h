// The report ID a merchant reads aloud to support: 7 random symbols of Crockford's Base32 and a
// Luhn mod 32 check symbol, printed "7KQ2-M9X4". Reading is forgiving as Crockford intends
// (lower case, O for 0, I or L for 1, dashes anywhere); writing always uses the canonical form.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace posdiag::agent {

// Crockford's Base32 alphabet: digits and upper-case letters without I, L, O and U.
inline constexpr std::string_view kReportIdAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
inline constexpr std::size_t kReportIdPayloadLength = 7;

// A fresh random ID, "XXXX-XXXX". Never throws.
std::string NewReportId();

// The Luhn mod 32 check symbol over `payload` (symbols as read: case, aliases and dashes are
// accepted), or '\0' when the payload is empty, longer than 64 symbols or holds a character
// outside the alphabet.
char ReportIdCheckSymbol(std::string_view payload);

// True for 7 symbols and a matching check symbol, read as Crockford allows.
bool IsValidReportId(std::string_view text);

// The canonical "XXXX-XXXX" form of a valid ID as read, or nullopt when it is not valid.
std::optional<std::string> NormalizeReportId(std::string_view text);

// The canonical form of the start of an ID as read (the same forgiving reading), dash included
// after the fourth symbol: "7kq2m" gives "7KQ2-M", so it is a prefix of the IDs it may name.
// nullopt when empty, longer than an ID or holding a character outside the alphabet.
std::optional<std::string> NormalizeReportIdPrefix(std::string_view text);

}  // namespace posdiag::agent
