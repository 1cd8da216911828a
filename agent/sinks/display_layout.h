// What the display shows, laid out in text cells before any backend draws it: a header row in a
// status colour, body rows, a footer row. A framebuffer cell is 8x16 pixels (a CJK character
// takes two), a text console's is one column; so the same pages fit 240x320, 320x240, 480x272
// and an 80x24 terminal. Pure: a report and a size in, pages out.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/report.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

// Colours by meaning; each backend maps them to pixels or ANSI codes.
enum class Tone {
  kOk,       // green
  kWarning,  // amber
  kError,    // red (error and critical)
  kUnknown,  // grey
  kInfo,     // blue: progress, messages
  kPlain,    // body text
  kDim,      // secondary text (remedies, hints)
};

struct LayoutLine {
  std::u32string tag;  // a short coloured label before the text (a merchant code), or empty
  Tone tag_tone = Tone::kPlain;
  int indent = 0;  // cells before the text (after the tag's column when there is one)
  std::u32string text;
  Tone tone = Tone::kPlain;
  std::optional<double> bar;  // a progress bar filled to this fraction (0..1) instead of text
};

struct Page {
  Tone header_tone = Tone::kInfo;
  std::u32string header;
  std::u32string header_right;  // e.g. the page, "2/3"
  std::vector<LayoutLine> body;
  std::u32string footer;  // e.g. the report ID
};

struct Cells {
  int columns = 0;
  int rows = 0;
};

// Cells a tag column takes: the tag, one cell of padding on each side, one cell of gap.
inline constexpr int kTagColumnCells = 5;

// Progress while the probes run: the level, n of m, a bar, the probe running.
Page ProgressPage(const RunProgress& progress, Level level, rules::Lang lang, Cells size);

// The result: a header in the status colour, one block per finding (code, title, first
// remedy, each cut or wrapped to the width), never split across pages; "all clear" or
// "could not complete" when there are none; the report ID and page k/n on every page.
std::vector<Page> ReportPages(const Report& report, rules::Lang lang, Cells size);
// The same, with the findings in a body of `body` cells (columns, and rows between the header and
// the footer) that leaves room beside or under them for something else: the hand-off QR code.
// The header and footer keep the whole width of `size`.
std::vector<Page> ReportPages(const Report& report, rules::Lang lang, Cells size, Cells body);

// A short message, wrapped to the screen.
Page MessagePage(std::string_view text, rules::Lang lang, Cells size);

Tone ToneFor(RunStatus status);
Tone ToneFor(rules::Severity severity);

}  // namespace posdiag::agent
