#include "drivers/modem/at_response.h"

#include <algorithm>
#include <charconv>
#include <cstddef>

#include "drivers/base/text.h"

namespace posdiag::drivers::modem {
namespace {

// A reply is a handful of short lines; anything beyond these bounds is noise, cut short.
constexpr std::size_t kMaxLines = 64;
constexpr std::size_t kMaxLineLength = 512;
constexpr std::size_t kMaxIdentity = 200;

char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Upper(x) == Upper(y); });
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsNoCase(s.substr(0, prefix.size()), prefix);
}

// A small non-negative decimal number ("0" .. "999"), nothing else.
std::optional<int> SmallInt(std::string_view s) {
  s = Trim(s);
  if (s.empty() || s.size() > 3) return std::nullopt;
  int v = 0;
  const auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (err != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

struct Field {
  std::string text;
  bool quoted = false;
};

// Splits "a,\"b,c\",d" into fields; quotes are removed and keep commas inside them.
std::vector<Field> SplitFields(std::string_view s) {
  std::vector<Field> out;
  Field current;
  bool in_quotes = false;
  for (char c : s) {
    if (c == '"') {
      in_quotes = !in_quotes;
      current.quoted = true;
    } else if (c == ',' && !in_quotes) {
      current.text = std::string(Trim(current.text));
      out.push_back(std::move(current));
      current = Field{};
    } else {
      current.text += c;
    }
  }
  current.text = std::string(Trim(current.text));
  out.push_back(std::move(current));
  return out;
}

bool Printable(char c) { return c >= 0x20 && c <= 0x7e; }

// The error a reply stands for when it did not end in OK.
Error ReplyError(const AtReply& reply) {
  if (reply.result == FinalResult::kCmeError) {
    std::string detail = "+CME ERROR: ";
    if (reply.cme_code) {
      detail += std::to_string(*reply.cme_code) + " (" + reply.cme_text + ")";
    } else {
      detail += reply.cme_text;
    }
    return Error{ErrorKind::kIo, detail};
  }
  return Error{ErrorKind::kUnsupported, "the modem answered ERROR"};
}

// The value after "<prefix>:" on the first information line that has it.
Result<std::string_view> ValueOf(const AtReply& reply, std::string_view prefix) {
  if (reply.result != FinalResult::kOk) return ReplyError(reply);
  for (const auto& line : reply.lines) {
    std::string_view l = line;
    if (StartsWithNoCase(l, prefix) && l.size() > prefix.size() && l[prefix.size()] == ':') {
      return Trim(l.substr(prefix.size() + 1));
    }
  }
  return Error{ErrorKind::kParse, "no " + std::string(prefix) + ": line in the reply"};
}

Error BadValue(std::string_view prefix, std::string_view value) {
  std::string shown;
  for (char c : value.substr(0, 40)) shown += Printable(c) ? c : '?';
  return Error{ErrorKind::kParse, "unexpected " + std::string(prefix) + ": value '" + shown + "'"};
}

}  // namespace

std::optional<AtReply> ScanReply(std::string_view command, std::string_view bytes) {
  AtReply reply;
  // The echo is dropped wherever it comes: a URC ("RDY", "+CPIN: READY") may arrive before it.
  bool echo_seen = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != '\r' && bytes[i] != '\n') continue;
    std::string_view line = Trim(bytes.substr(start, i - start));
    start = i + 1;
    if (line.empty()) continue;
    if (!echo_seen && EqualsNoCase(line, Trim(command))) {
      echo_seen = true;
      continue;
    }
    if (line == "OK") {
      reply.result = FinalResult::kOk;
      return reply;
    }
    if (line == "ERROR" || StartsWithNoCase(line, "+CMS ERROR:")) {
      reply.result = FinalResult::kError;
      return reply;
    }
    if (StartsWithNoCase(line, "+CME ERROR:")) {
      reply.result = FinalResult::kCmeError;
      const std::string_view what = Trim(line.substr(11));
      reply.cme_code = SmallInt(what);
      if (reply.cme_code) {
        reply.cme_text = std::string(CmeErrorText(*reply.cme_code));
      } else {
        for (char c : what.substr(0, 80)) reply.cme_text += Printable(c) ? c : '?';
      }
      return reply;
    }
    if (reply.lines.size() < kMaxLines) {
      reply.lines.emplace_back(line.substr(0, kMaxLineLength));
    }
  }
  return std::nullopt;
}

bool LooksLikeNoise(std::string_view bytes) {
  return std::any_of(bytes.begin(), bytes.end(),
                     [](char c) { return !Printable(c) && c != '\r' && c != '\n' && c != '\t'; });
}

bool HasStartupLine(std::string_view bytes) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != '\r' && bytes[i] != '\n') continue;
    const std::string_view line = Trim(bytes.substr(start, i - start));
    start = i + 1;
    if (line == "RDY" || line == "^SYSSTART") return true;
  }
  return false;
}

Result<void> ExpectOk(const AtReply& reply) {
  if (reply.result != FinalResult::kOk) return ReplyError(reply);
  return Ok();
}

std::string_view CmeErrorText(int code) {
  switch (code) {
    case 0:
      return "phone failure";
    case 3:
      return "operation not allowed";
    case 4:
      return "operation not supported";
    case 5:
      return "PH-SIM PIN required";
    case 10:
      return "SIM not inserted";
    case 11:
      return "SIM PIN required";
    case 12:
      return "SIM PUK required";
    case 13:
      return "SIM failure";
    case 14:
      return "SIM busy";
    case 15:
      return "SIM wrong";
    case 16:
      return "incorrect password";
    case 17:
      return "SIM PIN2 required";
    case 18:
      return "SIM PUK2 required";
    case 30:
      return "no network service";
    case 31:
      return "network timeout";
    case 100:
      return "unknown";
    default:
      return "unknown error";
  }
}

Result<std::string> ParseCpin(const AtReply& reply) {
  if (reply.result == FinalResult::kCmeError) {
    // Without a SIM, or with a locked one, many modems answer AT+CPIN? with the error itself.
    static constexpr std::pair<int, const char*> kStates[] = {{10, "not inserted"}, {11, "SIM PIN"},
                                                              {12, "SIM PUK"},      {13, "failure"},
                                                              {14, "busy"},         {15, "wrong"}};
    for (const auto& [code, state] : kStates) {
      if (reply.cme_code == code ||
          (!reply.cme_code && EqualsNoCase(reply.cme_text, CmeErrorText(code)))) {
        return std::string(state);
      }
    }
  }
  auto value = ValueOf(reply, "+CPIN");
  if (!value) return value.error();
  const std::string_view v = *value;
  const bool ok = !v.empty() && v.size() <= 16 && std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '-';
  });
  if (!ok) return BadValue("+CPIN", v);
  return std::string(v);
}

Result<Signal> ParseCsq(const AtReply& reply) {
  auto value = ValueOf(reply, "+CSQ");
  if (!value) return value.error();
  const auto fields = SplitFields(*value);
  if (fields.size() != 2) return BadValue("+CSQ", *value);
  const auto rssi = SmallInt(fields[0].text);
  const auto ber = SmallInt(fields[1].text);
  if (!rssi || !ber || (*rssi > 31 && *rssi != 99) || (*ber > 7 && *ber != 99)) {
    return BadValue("+CSQ", *value);
  }
  Signal s;
  s.rssi = *rssi;
  // 0 is -113 dBm or less, 31 is -51 dBm or more; the formula gives both ends.
  if (*rssi != 99) s.dbm = -113 + 2 * *rssi;
  if (*ber != 99) s.ber = *ber;
  return s;
}

Result<Registration> ParseRegistration(const AtReply& reply, std::string_view prefix) {
  auto value = ValueOf(reply, prefix);
  if (!value) return value.error();
  const auto fields = SplitFields(*value);
  Registration r;
  std::optional<int> n;
  std::optional<int> stat;
  if (fields.size() == 1) {
    // The unsolicited form (<stat> alone), which some modems give to the query as well.
    stat = SmallInt(fields[0].text);
  } else {
    n = SmallInt(fields[0].text);
    stat = SmallInt(fields[1].text);
    if (!n || *n > 5) return BadValue(prefix, *value);
    r.n = *n;
  }
  if (!stat || *stat > 11) return BadValue(prefix, *value);
  r.stat = *stat;
  return r;
}

std::string_view RegistrationState(int stat) {
  switch (stat) {
    case 0:
      return "not_registered";
    case 1:
    case 9:
      return "home";
    case 2:
      return "searching";
    case 3:
      return "denied";
    case 5:
    case 10:
      return "roaming";
    case 6:
      return "sms_only_home";
    case 7:
      return "sms_only_roaming";
    case 8:
    case 11:
      return "emergency_only";
    default:
      return "unknown";
  }
}

bool IsRegistered(int stat) { return stat == 1 || stat == 5 || stat == 9 || stat == 10; }

Result<Operator> ParseCops(const AtReply& reply) {
  auto value = ValueOf(reply, "+COPS");
  if (!value) return value.error();
  const auto fields = SplitFields(*value);
  Operator op;
  const auto mode = SmallInt(fields[0].text);
  if (!mode || *mode > 4 || fields[0].quoted) return BadValue("+COPS", *value);
  op.mode = *mode;
  if (fields.size() == 1) return op;
  if (fields.size() < 3 || fields.size() > 4) return BadValue("+COPS", *value);
  const auto format = SmallInt(fields[1].text);
  if (!format || *format > 2) return BadValue("+COPS", *value);
  op.format = *format;
  const std::string& name = fields[2].text;
  if (name.empty() || name.size() > 64 ||
      !std::all_of(name.begin(), name.end(), [](char c) { return Printable(c); })) {
    return BadValue("+COPS", *value);
  }
  op.name = name;
  if (fields.size() == 4) {
    const auto act = SmallInt(fields[3].text);
    if (!act || *act > 13) return BadValue("+COPS", *value);
    op.access_tech = *act;
  }
  return op;
}

std::string_view AccessTechName(int act) {
  switch (act) {
    case 0:
      return "GSM";
    case 1:
      return "GSM_COMPACT";
    case 2:
      return "UMTS";
    case 3:
      return "EDGE";
    case 4:
      return "HSDPA";
    case 5:
      return "HSUPA";
    case 6:
      return "HSPA";
    case 7:
    case 10:
      return "LTE";
    case 8:
      return "EC-GSM-IoT";
    case 9:
      return "NB-IoT";
    case 11:
    case 12:
      return "NR";
    case 13:
      return "EN-DC";
    default:
      return "unknown";
  }
}

Result<std::string> ParseIdentity(const AtReply& reply) {
  if (reply.result != FinalResult::kOk) return ReplyError(reply);
  std::string out;
  for (const auto& line : reply.lines) {
    if (!out.empty()) out += ' ';
    for (char c : line) out += Printable(c) ? c : '?';
    if (out.size() >= kMaxIdentity) break;
  }
  if (out.size() > kMaxIdentity) out.resize(kMaxIdentity);
  if (out.empty()) return Error{ErrorKind::kParse, "ATI gave no text"};
  return out;
}

}  // namespace posdiag::drivers::modem
