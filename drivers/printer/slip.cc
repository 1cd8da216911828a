#include "drivers/printer/slip.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace posdiag::drivers::printer {
namespace {

constexpr std::uint8_t kEsc = 0x1B;
constexpr std::uint8_t kGs = 0x1D;
constexpr std::uint8_t kFs = 0x1C;
constexpr std::uint8_t kLf = 0x0A;
// QR model 2 is up to 7089 characters; GS ( k takes pL pH = length + 3.
constexpr std::size_t kMaxQrData = 7089;

// One code point from UTF-8 at `i` (advanced); U+FFFD for a bad sequence.
char32_t NextCodePoint(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i++]);
  if (b < 0x80) return b;
  int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : -1;
  if (extra < 0 || b >= 0xF8) return 0xFFFD;
  char32_t cp = b & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  }
  return cp;
}

void PutUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int Cells(char32_t cp) {
  // East Asian wide ranges, enough for the catalogue's Chinese and full-width punctuation.
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                 (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                 (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                 (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD)
             ? 2
             : 1;
}

struct IconvClose {
  void operator()(iconv_t* cd) const {
    iconv_close(*cd);
    delete cd;
  }
};

// Text from one character set to another; kInvalid when a character has no place in the target.
Result<std::string> Convert(std::string_view text, const char* to, const char* from) {
  iconv_t raw = ::iconv_open(to, from);
  if (raw == reinterpret_cast<iconv_t>(-1)) {
    return Error{ErrorKind::kUnsupported, std::string("no conversion from ") + from + " to " + to};
  }
  std::unique_ptr<iconv_t, IconvClose> cd(new iconv_t(raw));
  std::string in(text);
  std::string out(in.size() * 4 + 16, '\0');
  char* src = in.data();
  std::size_t src_left = in.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  if (::iconv(*cd, &src, &src_left, &dst, &dst_left) == static_cast<std::size_t>(-1)) {
    return Error{ErrorKind::kInvalid, std::string("text cannot be converted to ") + to};
  }
  out.resize(out.size() - dst_left);
  return out;
}

// Printable text only: every control character (ESC, GS, FS, ...) becomes a space.
std::string Clean(std::string_view utf8, bool chinese) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t cp = NextCodePoint(utf8, i);
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
      out.push_back(' ');
    } else if (cp >= 0x80 && !chinese) {
      out.push_back('?');  // the ASCII slip has no other characters
    } else {
      PutUtf8(out, cp);
    }
  }
  return out;
}

void Put(std::vector<std::uint8_t>& out, std::initializer_list<std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

Result<void> PutLine(std::vector<std::uint8_t>& out, std::string_view utf8, bool chinese) {
  if (chinese) {
    auto gb = Convert(utf8, "GB18030", "UTF-8");
    if (!gb) return gb.error();
    out.insert(out.end(), gb->begin(), gb->end());
  } else {
    out.insert(out.end(), utf8.begin(), utf8.end());
  }
  out.push_back(kLf);
  return Ok();
}

Result<void> PutWrapped(std::vector<std::uint8_t>& out, std::string_view utf8, int columns,
                        bool chinese, std::string_view indent = {}) {
  const int width = std::max(columns - static_cast<int>(indent.size()), 1);
  for (const auto& line : WrapColumns(utf8, width)) {
    if (auto r = PutLine(out, std::string(indent) + line, chinese); !r) return r;
  }
  return Ok();
}

}  // namespace

int Columns(PaperWidth width) { return width == PaperWidth::k58mm ? 32 : 48; }
int PrintableDots(PaperWidth width) { return width == PaperWidth::k58mm ? 384 : 576; }

std::vector<std::string> WrapColumns(std::string_view utf8, int columns) {
  std::vector<std::string> lines;
  std::string line;
  int used = 0;
  std::size_t last_space = std::string::npos;  // in `line`
  int used_at_space = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t cp = NextCodePoint(utf8, i);
    const int w = Cells(cp);
    if (used + w > columns && !line.empty()) {
      if (cp != U' ' && last_space != std::string::npos) {
        std::string rest = line.substr(last_space + 1);
        line.resize(last_space);
        lines.push_back(line);
        line = rest;
        used -= used_at_space + 1;
      } else {
        lines.push_back(line);
        line.clear();
        used = 0;
      }
      last_space = std::string::npos;
      if (cp == U' ') continue;
    }
    if (cp == U' ') {
      last_space = line.size();
      used_at_space = used;
    }
    PutUtf8(line, cp);
    used += w;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

Result<std::vector<std::uint8_t>> BuildSlip(const SlipContent& c, PaperWidth width) {
  const int columns = Columns(width);
  const bool zh = c.chinese;
  std::vector<std::uint8_t> out;
  Put(out, {kEsc, '@'});
  if (zh) Put(out, {kFs, '&'});
  // The title: centred, bold, double width and height.
  Put(out, {kEsc, 'a', 1, kEsc, 'E', 1, kGs, '!', 0x11});
  if (auto r = PutWrapped(out, Clean(c.title, zh), columns / 2, zh); !r) return r.error();
  Put(out, {kGs, '!', 0x00, kEsc, 'E', 0, kEsc, 'a', 0});
  for (const SlipField& f : c.fields) {
    if (auto r = PutWrapped(out, Clean(f.label, zh) + Clean(f.value, zh), columns, zh); !r) {
      return r.error();
    }
  }
  const std::string rule(static_cast<std::size_t>(columns), '-');
  if (auto r = PutLine(out, rule, false); !r) return r.error();
  for (const SlipFinding& f : c.findings) {
    Put(out, {kEsc, 'E', 1});
    if (auto r = PutWrapped(out, "[" + Clean(f.code, zh) + "] " + Clean(f.title, zh), columns, zh);
        !r) {
      return r.error();
    }
    Put(out, {kEsc, 'E', 0});
    if (!f.remedy.empty()) {
      if (auto r = PutWrapped(out, Clean(f.remedy, zh), columns, zh, "  "); !r) return r.error();
    }
  }
  if (!c.findings.empty()) {
    if (auto r = PutLine(out, rule, false); !r) return r.error();
  }
  if (!c.footer.empty()) {
    if (auto r = PutWrapped(out, Clean(c.footer, zh), columns, zh); !r) return r.error();
  }
  if (zh) Put(out, {kFs, '.'});
  if (!c.qr.empty()) {
    if (c.qr.size() > kMaxQrData) {
      return Error{ErrorKind::kInvalid, "slip: the QR text is longer than GS ( k takes"};
    }
    // The hand-off summary needs at most version 11 (61 modules), plus a quiet zone of 4 each side.
    const int module = std::clamp(PrintableDots(width) / (61 + 8), 1, 16);
    const std::size_t n = c.qr.size() + 3;
    Put(out, {kEsc, 'a', 1});
    Put(out, {kGs, '(', 'k', 4, 0, 49, 65, 50, 0});                              // model 2
    Put(out, {kGs, '(', 'k', 3, 0, 49, 67, static_cast<std::uint8_t>(module)});  // module size
    Put(out, {kGs, '(', 'k', 3, 0, 49, 69, 49});  // error correction M
    Put(out, {kGs, '(', 'k', static_cast<std::uint8_t>(n & 0xFF), static_cast<std::uint8_t>(n >> 8),
              49, 80, 48});
    out.insert(out.end(), c.qr.begin(), c.qr.end());
    Put(out, {kGs, '(', 'k', 3, 0, 49, 81, 48});  // print it
    Put(out, {kLf, kEsc, 'a', 0});
  }
  Put(out, {kEsc, 'd', 4, kGs, 'V', 1});
  return out;
}

Result<EscPosDocument> ReadEscPos(std::span<const std::uint8_t> b) {
  EscPosDocument doc;
  std::string raw;  // the current line as the printer got it
  bool kanji = false;
  const auto bad = [](std::size_t at, const std::string& why) {
    return Error{ErrorKind::kParse, "ESC/POS byte " + std::to_string(at) + ": " + why};
  };
  const auto end_line = [&]() -> Result<void> {
    if (kanji) {
      auto utf8 = Convert(raw, "UTF-8", "GB18030");
      if (!utf8) return utf8.error();
      doc.lines.push_back(*utf8);
    } else {
      doc.lines.push_back(raw);
    }
    raw.clear();
    return Ok();
  };
  std::size_t i = 0;
  const auto need = [&](std::size_t n) { return i + n <= b.size(); };
  while (i < b.size()) {
    const std::uint8_t c = b[i];
    if (c == kLf) {
      if (auto r = end_line(); !r) return bad(i, r.error().detail);
      ++i;
      continue;
    }
    if (c == kEsc || c == kGs || c == kFs) {
      if (!need(2)) return bad(i, "a command cut short");
      const std::uint8_t op = b[i + 1];
      ++doc.commands;
      if (c == kEsc && op == '@') {
        if (doc.commands == 1) doc.initialised = true;
        i += 2;
      } else if (c == kEsc && (op == 'a' || op == 'E' || op == 'd')) {
        if (!need(3)) return bad(i, "a command cut short");
        i += 3;
      } else if (c == kGs && op == '!') {
        if (!need(3)) return bad(i, "a command cut short");
        i += 3;
      } else if (c == kGs && op == 'V') {
        if (!need(3)) return bad(i, "a command cut short");
        const std::uint8_t m = b[i + 2];
        i += m >= 65 ? 4 : 3;
        if (i > b.size()) return bad(i, "a cut cut short");
        doc.cut = true;
      } else if (c == kFs && (op == '&' || op == '.')) {
        if (!raw.empty()) return bad(i, "a mode change inside a line");
        kanji = op == '&';
        doc.chinese = doc.chinese || kanji;
        i += 2;
      } else if (c == kGs && op == '(') {
        if (!need(5) || b[i + 2] != 'k') return bad(i, "an unknown GS ( command");
        const std::size_t n = b[i + 3] | static_cast<std::size_t>(b[i + 4]) << 8;
        if (n < 2 || !need(5 + n)) return bad(i, "GS ( k cut short");
        const std::uint8_t cn = b[i + 5];
        const std::uint8_t fn = b[i + 6];
        if (cn != 49) return bad(i, "GS ( k for a symbol other than QR");
        if (fn == 80) {
          if (n < 3) return bad(i, "GS ( k store without data");
          doc.qr_stored.emplace_back(reinterpret_cast<const char*>(&b[i + 8]), n - 3);
        } else if (fn == 81) {
          ++doc.qr_printed;
        } else if (fn == 67 && n == 3) {
          doc.qr_module = b[i + 7];
        }
        i += 5 + n;
      } else {
        return bad(i, "an unknown command");
      }
      continue;
    }
    if (c < 0x20 || c == 0x7F) return bad(i, "a control byte in the text");
    if (c >= 0x80 && !kanji) return bad(i, "a byte above 0x7F outside the Chinese mode");
    raw.push_back(static_cast<char>(c));
    ++i;
  }
  if (!raw.empty()) {
    if (auto r = end_line(); !r) return bad(i, r.error().detail);
  }
  return doc;
}

}  // namespace posdiag::drivers::printer
