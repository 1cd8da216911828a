// Text helpers every sink shares: safe display text and card-data redaction. What a
// sink prints comes partly from devices and files, so it is made valid UTF-8 without control
// codes, and anything that looks like a card number is cut to first 6 + last 4 first.
#pragma once

#include <string>
#include <string_view>

#include "drivers/base/time_format.h"  // the sinks' timestamps

namespace posdiag::agent {

// Masks card numbers (13-19 digits, optionally grouped by single spaces or dashes, passing the
// Luhn check) to first 6 + last 4, and drops the rest of a token that follows one with a track
// separator ('=' or '^'), where track data would be.
std::string RedactCardData(std::string_view text);

// Text safe for one line of a display or a log: card data redacted, invalid UTF-8 and C1
// controls replaced by U+FFFD, tabs, newlines and other C0 controls by a space, DEL dropped.
std::string DisplayText(std::string_view text);

// Replaces invalid UTF-8 sequences by U+FFFD and leaves everything else as it is.
std::string ValidUtf8(std::string_view text);

// Whether RedactCardData or ValidUtf8 could change `text`: false when it holds fewer digits than
// the shortest card number and no byte outside ASCII, as most of a report's strings do.
bool MayNeedCleaning(std::string_view text);

}  // namespace posdiag::agent
