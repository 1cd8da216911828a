#include "rules/engine/expr.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include "rules/engine/expr_internal.h"

namespace posdiag::rules {

using internal::CmpOp;

namespace {

// Stops a hostile condition from producing an unbounded list of messages.
constexpr std::size_t kMaxErrors = 32;

std::string_view OpText(CmpOp op) {
  switch (op) {
    case CmpOp::kEq:
      return "==";
    case CmpOp::kNe:
      return "!=";
    case CmpOp::kLt:
      return "<";
    case CmpOp::kLe:
      return "<=";
    case CmpOp::kGt:
      return ">";
    case CmpOp::kGe:
      return ">=";
  }
  return "?";
}

// `10 < a` is stored as `a > 10`, so evaluation always has the fact on the left.
CmpOp Mirror(CmpOp op) {
  switch (op) {
    case CmpOp::kLt:
      return CmpOp::kGt;
    case CmpOp::kLe:
      return CmpOp::kGe;
    case CmpOp::kGt:
      return CmpOp::kLt;
    case CmpOp::kGe:
      return CmpOp::kLe;
    default:
      return op;
  }
}

bool IsOrdering(CmpOp op) { return op != CmpOp::kEq && op != CmpOp::kNe; }

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string RealText(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc()) return "?";
  std::string out(buf, end);
  // Keep a real recognisable as one: "2" would read back as an integer.
  if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
  return out;
}

using Literal = internal::Literal;
using LitType = internal::LitType;

std::string_view LitTypeName(LitType type) {
  switch (type) {
    case LitType::kBool:
      return "bool";
    case LitType::kInt:
      return "integer";
    case LitType::kReal:
      return "real";
    case LitType::kText:
      return "text";
  }
  return "?";
}

std::string LiteralText(const Literal& lit) {
  switch (lit.type) {
    case LitType::kBool:
      return lit.b ? "true" : "false";
    case LitType::kInt:
      return std::to_string(lit.i);
    case LitType::kReal:
      return RealText(lit.d);
    case LitType::kText:
      return Quote(lit.s);
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Tok {
  kName,
  kAnd,
  kOr,
  kNot,
  kExists,
  kTrue,
  kFalse,
  kInt,
  kReal,
  kString,
  kOp,
  kLParen,
  kRParen,
  kError,  // already reported by the lexer; the parser stays silent about it
  kEnd,
};

struct Token {
  Tok kind = Tok::kEnd;
  int offset = 0;
  std::string_view text;  // the source text of the token
  CmpOp op = CmpOp::kEq;
  std::int64_t i = 0;
  double d = 0;
  std::string s;  // decoded string literal
};

bool IsWordStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsWordChar(char c) { return IsWordStart(c) || (c >= '0' && c <= '9') || c == '.'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOpChar(char c) {
  return c == '=' || c == '!' || c == '<' || c == '>' || c == '&' || c == '|';
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view text, std::vector<ExprError>& errors) : text_(text), errors_(errors) {}

  std::vector<Token> Run() {
    std::vector<Token> out;
    while (true) {
      SkipSpace();
      Token t;
      t.offset = static_cast<int>(pos_);
      if (pos_ >= text_.size()) {
        out.push_back(std::move(t));
        return out;
      }
      const std::size_t start = pos_;
      const char c = text_[pos_];
      if (c == '(' || c == ')') {
        t.kind = c == '(' ? Tok::kLParen : Tok::kRParen;
        ++pos_;
      } else if (IsWordStart(c)) {
        Word(t);
      } else if (IsDigit(c) || (c == '-' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1]))) {
        Number(t);
      } else if (c == '"' || c == '\'') {
        String(t);
      } else if (IsOpChar(c)) {
        Operator(t);
      } else {
        Unexpected(t);
      }
      t.text = text_.substr(start, pos_ - start);
      out.push_back(std::move(t));
    }
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  void Error(Token& t, int offset, std::string message) {
    t.kind = Tok::kError;
    if (errors_.size() < kMaxErrors) errors_.push_back({offset, std::move(message)});
  }

  void Word(Token& t) {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
    const std::string_view word = text_.substr(start, pos_ - start);
    static constexpr std::pair<std::string_view, Tok> kKeywords[] = {
        {"and", Tok::kAnd},   {"or", Tok::kOr},       {"not", Tok::kNot},
        {"true", Tok::kTrue}, {"false", Tok::kFalse}, {"exists", Tok::kExists}};
    for (const auto& [name, kind] : kKeywords) {
      if (word == name) {
        t.kind = kind;
        return;
      }
    }
    if (IsValidFactName(word)) {
      t.kind = Tok::kName;
      return;
    }
    const std::string lower = Lower(word);
    for (const auto& [name, kind] : kKeywords) {
      if (lower == name) {
        Error(t, t.offset,
              "keywords are lower-case: write '" + lower + "', not '" + std::string(word) + "'");
        return;
      }
    }
    Error(t, t.offset,
          "invalid fact name '" + std::string(word) +
              "': fact names are lower-case letters, digits and '_' in segments joined by '.'");
  }

  void Number(Token& t) {
    const std::size_t start = pos_;
    bool real = false;
    if (text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    if (pos_ + 1 < text_.size() && text_[pos_] == '.' && IsDigit(text_[pos_ + 1])) {
      real = true;
      ++pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && IsDigit(text_[p])) {
        real = true;
        pos_ = p;
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      }
    }
    if (pos_ < text_.size() && IsWordChar(text_[pos_])) {
      while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
      Error(t, t.offset, "invalid number '" + std::string(text_.substr(start, pos_ - start)) + "'");
      return;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    const std::string_view number(first, pos_ - start);
    if (real) {
      auto [end, ec] = std::from_chars(first, last, t.d);
      if (ec != std::errc() || end != last || !std::isfinite(t.d)) {
        Error(t, t.offset, "number '" + std::string(number) + "' is out of range");
        return;
      }
      t.kind = Tok::kReal;
    } else {
      auto [end, ec] = std::from_chars(first, last, t.i);
      if (ec != std::errc() || end != last) {
        Error(t, t.offset, "integer '" + std::string(number) + "' is out of range");
        return;
      }
      t.kind = Tok::kInt;
    }
  }

  void String(Token& t) {
    const char quote = text_[pos_++];
    bool bad = false;
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] == '\n' || text_[pos_] == '\r') {
        Error(t, t.offset, "unterminated string");
        return;
      }
      const char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        break;
      }
      if (c == '\\') {
        const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
        if (next == '\\' || next == '"' || next == '\'') {
          t.s += next;
          pos_ += 2;
          continue;
        }
        if (!bad && errors_.size() < kMaxErrors) {
          errors_.push_back({static_cast<int>(pos_),
                             "unknown escape in string: only \\\\, \\\" and \\' are allowed"});
        }
        bad = true;
        ++pos_;
        continue;
      }
      t.s += c;
      ++pos_;
    }
    t.kind = bad ? Tok::kError : Tok::kString;
  }

  void Operator(Token& t) {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && IsOpChar(text_[pos_])) ++pos_;
    const std::string_view op = text_.substr(start, pos_ - start);
    static constexpr std::pair<std::string_view, CmpOp> kOps[] = {
        {"==", CmpOp::kEq}, {"!=", CmpOp::kNe}, {"<", CmpOp::kLt},
        {"<=", CmpOp::kLe}, {">", CmpOp::kGt},  {">=", CmpOp::kGe}};
    for (const auto& [text, value] : kOps) {
      if (op == text) {
        t.kind = Tok::kOp;
        t.op = value;
        return;
      }
    }
    static constexpr std::pair<std::string_view, std::string_view> kHints[] = {
        {"=", "=="},  {"=<", "<="},  {"=>", ">="}, {"<>", "!="}, {"===", "=="},
        {"!", "not"}, {"&&", "and"}, {"||", "or"}, {"&", "and"}, {"|", "or"}};
    std::string message = "unknown operator '" + std::string(op) + "'";
    for (const auto& [wrong, right] : kHints) {
      if (op == wrong) message += " (write '" + std::string(right) + "')";
    }
    Error(t, t.offset, std::move(message));
  }

  void Unexpected(Token& t) {
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c >= 0x80) {
      // Skip the whole UTF-8 sequence so one character gives one message.
      ++pos_;
      while (pos_ < text_.size() && (static_cast<unsigned char>(text_[pos_]) & 0xC0) == 0x80) {
        ++pos_;
      }
      Error(t, t.offset, "unexpected non-ASCII character outside a string");
      return;
    }
    ++pos_;
    if (c >= 0x20 && c < 0x7F) {
      Error(t, t.offset, std::string("unexpected character '") + static_cast<char>(c) + "'");
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02X", c);
      Error(t, t.offset, std::string("unexpected control character ") + buf);
    }
  }

  std::string_view text_;
  std::vector<ExprError>& errors_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Parser: recursive descent, one function per precedence level.
//   or_expr  := and_expr ('or' and_expr)*
//   and_expr := unary ('and' unary)*
//   unary    := 'not' unary | primary
//   primary  := '(' or_expr ')' | 'exists' '(' name ')' | operand op operand
//   operand  := name | integer | real | string | 'true' | 'false'
// After a broken operand of and/or the parser skips to the next and/or at the same level, so one
// pass reports the independent mistakes of a long condition.

constexpr int kFailed = -1;

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::vector<ExprError>& errors, internal::ExprData& out)
      : toks_(std::move(tokens)), errors_(errors), out_(out) {}

  int Run() {
    if (Peek().kind == Tok::kEnd) {
      Error(Peek().offset, "empty condition");
      return kFailed;
    }
    int root = ParseOr();
    if (!abort_ && Peek().kind != Tok::kEnd) {
      if (Peek().kind == Tok::kRParen) {
        Error(Peek().offset, "unmatched ')'");
      } else if (Peek().kind != Tok::kError) {
        Error(Peek().offset,
              "expected 'and', 'or' or the end of the condition, found " + Describe(Peek()));
      }
      return kFailed;
    }
    return root;
  }

 private:
  const Token& Peek() const { return toks_[pos_]; }
  void Advance() {
    if (toks_[pos_].kind != Tok::kEnd) ++pos_;
  }

  void Error(int offset, std::string message) {
    if (errors_.size() < kMaxErrors) errors_.push_back({offset, std::move(message)});
  }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd:
        return "the end of the condition";
      case Tok::kString:
        return "string " + std::string(t.text);
      default:
        return "'" + std::string(t.text) + "'";
    }
  }

  // Skips the rest of a broken operand: up to the next and/or at this nesting level.
  void Sync() {
    int depth = 0;
    while (true) {
      const Tok k = Peek().kind;
      if (k == Tok::kEnd) return;
      if (depth == 0 && (k == Tok::kAnd || k == Tok::kOr || k == Tok::kRParen)) return;
      if (k == Tok::kLParen) ++depth;
      if (k == Tok::kRParen) --depth;
      Advance();
    }
  }

  int ParseOr() { return ParseChain(Tok::kOr, internal::Kind::kOr); }
  int ParseAnd() { return ParseChain(Tok::kAnd, internal::Kind::kAnd); }

  // and/or chains become one n-ary node, so a long chain costs no recursion depth.
  int ParseChain(Tok op, internal::Kind kind) {
    std::vector<int> operands;
    bool broken = false;
    while (true) {
      const int node = op == Tok::kOr ? ParseAnd() : ParseUnary();
      if (abort_) return kFailed;
      if (node == kFailed) {
        broken = true;
        Sync();
      }
      operands.push_back(node);
      if (Peek().kind != op) break;
      Advance();
    }
    if (broken) return kFailed;
    if (operands.size() == 1) return operands[0];
    internal::Node n;
    n.kind = kind;
    n.a = static_cast<std::uint32_t>(out_.children.size());
    n.b = static_cast<std::uint32_t>(operands.size());
    for (int child : operands) out_.children.push_back(static_cast<std::uint32_t>(child));
    return Add(n);
  }

  bool Enter(int offset) {
    if (++depth_ > kMaxConditionDepth) {
      Error(offset, "condition nested too deeply (more than " + std::to_string(kMaxConditionDepth) +
                        " levels of parentheses and 'not')");
      abort_ = true;
      return false;
    }
    return true;
  }

  int ParseUnary() {
    if (Peek().kind != Tok::kNot) return ParsePrimary();
    if (!Enter(Peek().offset)) return kFailed;
    Advance();
    const int child = ParseUnary();
    --depth_;
    if (child == kFailed) return kFailed;
    internal::Node n;
    n.kind = internal::Kind::kNot;
    n.a = static_cast<std::uint32_t>(child);
    return Add(n);
  }

  int ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kLParen: {
        const int open = t.offset;
        if (!Enter(open)) return kFailed;
        Advance();
        const int inner = ParseOr();
        --depth_;
        if (abort_) return kFailed;
        if (Peek().kind != Tok::kRParen) {
          if (Peek().kind != Tok::kError) {
            Error(Peek().offset, "expected ')' to close the '(' at offset " + std::to_string(open) +
                                     ", found " + Describe(Peek()));
          }
          return kFailed;
        }
        Advance();
        return inner;
      }
      case Tok::kExists:
        return ParseExists();
      case Tok::kError:
        Advance();
        return kFailed;
      case Tok::kName:
      case Tok::kInt:
      case Tok::kReal:
      case Tok::kString:
      case Tok::kTrue:
      case Tok::kFalse:
        return ParseComparison();
      default:
        Error(t.offset, "expected a comparison, 'not', 'exists(...)' or '(', found " + Describe(t));
        return kFailed;
    }
  }

  int ParseExists() {
    const int at = Peek().offset;
    Advance();
    if (Peek().kind != Tok::kLParen) {
      if (Peek().kind != Tok::kError) {
        Error(Peek().offset, "expected '(' after 'exists', found " + Describe(Peek()));
      }
      return kFailed;
    }
    Advance();
    if (Peek().kind != Tok::kName) {
      if (Peek().kind != Tok::kError) {
        Error(Peek().offset, "expected a fact name in exists(...), found " + Describe(Peek()));
      }
      return kFailed;
    }
    const std::uint32_t slot = Intern(Peek().text);
    Advance();
    if (Peek().kind != Tok::kRParen) {
      if (Peek().kind != Tok::kError) {
        Error(Peek().offset, "expected ')' to close 'exists(' at offset " + std::to_string(at) +
                                 ", found " + Describe(Peek()));
      }
      return kFailed;
    }
    Advance();
    internal::Node n;
    n.kind = internal::Kind::kExists;
    n.a = slot;
    return Add(n);
  }

  struct Operand {
    bool is_fact = false;
    std::uint32_t slot = 0;
    Literal literal;
    int offset = 0;
  };

  bool ParseOperand(Operand& out, std::string_view after) {
    const Token& t = Peek();
    out.offset = t.offset;
    switch (t.kind) {
      case Tok::kName:
        out.is_fact = true;
        out.slot = Intern(t.text);
        break;
      case Tok::kInt:
        out.literal.type = LitType::kInt;
        out.literal.i = t.i;
        out.literal.d = static_cast<double>(t.i);
        break;
      case Tok::kReal:
        out.literal.type = LitType::kReal;
        out.literal.d = t.d;
        break;
      case Tok::kString:
        out.literal.type = LitType::kText;
        out.literal.s = t.s;
        break;
      case Tok::kTrue:
      case Tok::kFalse:
        out.literal.type = LitType::kBool;
        out.literal.b = t.kind == Tok::kTrue;
        break;
      case Tok::kError:
        Advance();
        return false;
      default:
        Error(t.offset, "expected a fact name or a literal" +
                            (after.empty() ? std::string() : " " + std::string(after)) +
                            ", found " + Describe(t));
        return false;
    }
    Advance();
    return true;
  }

  int ParseComparison() {
    Operand lhs;
    if (!ParseOperand(lhs, "")) return kFailed;
    const Token& op_token = Peek();
    if (op_token.kind != Tok::kOp) {
      if (op_token.kind == Tok::kError) return kFailed;
      const Token& prev = toks_[pos_ - 1];
      std::string message = "expected a comparison operator (== != < <= > >=) after " +
                            Describe(prev) + ", found " + Describe(op_token);
      if (lhs.is_fact) {
        message += "; a fact on its own is not a condition (write '" + std::string(prev.text) +
                   " == true' or 'exists(" + std::string(prev.text) + ")')";
      }
      Error(op_token.offset, std::move(message));
      return kFailed;
    }
    const CmpOp op = op_token.op;
    const int op_offset = op_token.offset;
    const std::string after = "after '" + std::string(op_token.text) + "'";
    Advance();
    Operand rhs;
    if (!ParseOperand(rhs, after)) return kFailed;

    if (!lhs.is_fact && !rhs.is_fact) {
      Error(lhs.offset, "a comparison needs a fact name on at least one side");
      return kFailed;
    }
    internal::Node n;
    if (lhs.is_fact && rhs.is_fact) {
      n.kind = internal::Kind::kCmpFacts;
      n.op = op;
      n.a = lhs.slot;
      n.b = rhs.slot;
      return Add(n);
    }
    Operand& fact = lhs.is_fact ? lhs : rhs;
    Operand& literal = lhs.is_fact ? rhs : lhs;
    if (literal.literal.type == LitType::kBool && IsOrdering(op)) {
      Error(op_offset,
            "booleans can only be compared with == or !=, not '" + std::string(OpText(op)) + "'");
      return kFailed;
    }
    n.kind = internal::Kind::kCmpLiteral;
    n.op = lhs.is_fact ? op : Mirror(op);
    n.a = fact.slot;
    n.b = static_cast<std::uint32_t>(out_.literals.size());
    out_.literals.push_back(std::move(literal.literal));
    return Add(n);
  }

  std::uint32_t Intern(std::string_view name) {
    auto it = slot_of_.find(name);
    if (it != slot_of_.end()) return it->second;
    const auto slot = static_cast<std::uint32_t>(out_.slots.size());
    out_.slots.emplace_back(name);
    slot_of_.emplace(std::string(name), slot);
    return slot;
  }

  int Add(const internal::Node& n) {
    out_.nodes.push_back(n);
    return static_cast<int>(out_.nodes.size() - 1);
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  std::vector<ExprError>& errors_;
  internal::ExprData& out_;
  std::map<std::string, std::uint32_t, std::less<>> slot_of_;
  int depth_ = 0;
  bool abort_ = false;
};

// Slots are interned in order of appearance; the public list (and evidence) is sorted, so the
// slots are renumbered into sorted order once parsing is done.
void SortSlots(internal::ExprData& data) {
  const std::size_t n = data.slots.size();
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return data.slots[a] < data.slots[b]; });
  std::vector<std::uint32_t> new_index(n);
  std::vector<std::string> sorted(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    new_index[order[i]] = i;
    sorted[i] = std::move(data.slots[order[i]]);
  }
  data.slots = std::move(sorted);
  data.slot_hashes.clear();
  for (const std::string& name : data.slots) data.slot_hashes.push_back(internal::HashName(name));
  for (internal::Node& node : data.nodes) {
    switch (node.kind) {
      case internal::Kind::kExists:
      case internal::Kind::kCmpLiteral:
        node.a = new_index[node.a];
        break;
      case internal::Kind::kCmpFacts:
        node.a = new_index[node.a];
        node.b = new_index[node.b];
        break;
      default:
        break;
    }
  }
}

void DescribeNode(const internal::ExprData& e, std::uint32_t index, std::string& out) {
  const internal::Node& n = e.nodes[index];
  switch (n.kind) {
    case internal::Kind::kAnd:
    case internal::Kind::kOr:
      out += n.kind == internal::Kind::kAnd ? "(and" : "(or";
      for (std::uint32_t i = 0; i < n.b; ++i) {
        out += ' ';
        DescribeNode(e, e.children[n.a + i], out);
      }
      out += ')';
      return;
    case internal::Kind::kNot:
      out += "(not ";
      DescribeNode(e, n.a, out);
      out += ')';
      return;
    case internal::Kind::kExists:
      out += "(exists " + e.slots[n.a] + ")";
      return;
    case internal::Kind::kCmpLiteral:
      out += "(" + std::string(OpText(n.op)) + " " + e.slots[n.a] + " " +
             LiteralText(e.literals[n.b]) + ")";
      return;
    case internal::Kind::kCmpFacts:
      out += "(" + std::string(OpText(n.op)) + " " + e.slots[n.a] + " " + e.slots[n.b] + ")";
      return;
  }
}

std::string NotMeasured(const std::string& name, const FactSet& facts) {
  std::string out = name + " not measured";
  if (const MissingFact* missing = facts.FindMissing(name);
      missing != nullptr && !missing->reason.empty()) {
    out += ": " + missing->reason;
  }
  return out;
}

std::string ValueText(const FactValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return Quote(*s);
  return FactValueToString(value);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Evaluation

namespace internal {

Compare CompareToLiteral(const FactValue& value, CmpOp op, const Literal& lit) {
  switch (value.index()) {
    case 0:  // bool; ordering against a bool literal is rejected by the parser
      if (lit.type != LitType::kBool) return Compare::kMismatch;
      return ApplyEq(op, std::get<0>(value) == lit.b);
    case 1: {
      const std::int64_t v = std::get<1>(value);
      if (lit.type == LitType::kInt) return Apply(op, v, lit.i);
      if (lit.type == LitType::kReal) return Apply(op, static_cast<double>(v), lit.d);
      return Compare::kMismatch;
    }
    case 2: {
      const double v = std::get<2>(value);
      if (lit.type != LitType::kInt && lit.type != LitType::kReal) return Compare::kMismatch;
      if (std::isnan(v)) return Compare::kNotANumber;
      return Apply(op, v, lit.d);
    }
    default:
      if (lit.type != LitType::kText) return Compare::kMismatch;
      return Apply(op, std::string_view(std::get<3>(value)), std::string_view(lit.s));
  }
}

Compare CompareFacts(const FactValue& a, CmpOp op, const FactValue& b) {
  const std::size_t ta = a.index();
  const std::size_t tb = b.index();
  const bool num_a = ta == 1 || ta == 2;
  const bool num_b = tb == 1 || tb == 2;
  if (num_a && num_b) {
    if (ta == 1 && tb == 1) return Apply(op, std::get<1>(a), std::get<1>(b));
    const double x = ta == 1 ? static_cast<double>(std::get<1>(a)) : std::get<2>(a);
    const double y = tb == 1 ? static_cast<double>(std::get<1>(b)) : std::get<2>(b);
    if (std::isnan(x) || std::isnan(y)) return Compare::kNotANumber;
    return Apply(op, x, y);
  }
  if (ta == 3 && tb == 3) {
    return Apply(op, std::string_view(std::get<3>(a)), std::string_view(std::get<3>(b)));
  }
  if (ta == 0 && tb == 0 && !IsOrdering(op)) return ApplyEq(op, std::get<0>(a) == std::get<0>(b));
  return Compare::kMismatch;
}

std::string ExplainUnknown(const ExprData& e, std::uint32_t node, const FactSet& facts) {
  const Node& n = e.nodes[node];
  if (n.kind == Kind::kCmpLiteral) {
    const std::string& name = e.slots[n.a];
    const Fact* fact = facts.Find(name);
    if (fact == nullptr) return NotMeasured(name, facts);
    const Literal& lit = e.literals[n.b];
    if (const double* d = std::get_if<double>(&fact->value); d != nullptr && std::isnan(*d)) {
      return name + " is not a number (nan)";
    }
    return "type mismatch: " + name + " is " + std::string(FactTypeName(fact->value)) + " (" +
           ValueText(fact->value) + "), compared with " + std::string(LitTypeName(lit.type)) + " " +
           LiteralText(lit);
  }
  if (n.kind == Kind::kCmpFacts) {
    const std::string& a = e.slots[n.a];
    const std::string& b = e.slots[n.b];
    const Fact* fa = facts.Find(a);
    if (fa == nullptr) return NotMeasured(a, facts);
    const Fact* fb = facts.Find(b);
    if (fb == nullptr) return NotMeasured(b, facts);
    for (const Fact* f : {fa, fb}) {
      if (const double* d = std::get_if<double>(&f->value); d != nullptr && std::isnan(*d)) {
        return f->name + " is not a number (nan)";
      }
    }
    if (fa->value.index() == 0 && fb->value.index() == 0) {
      return "type mismatch: " + a + " and " + b + " are bool, which only == and != compare";
    }
    return "type mismatch: " + a + " is " + std::string(FactTypeName(fa->value)) + ", " + b +
           " is " + std::string(FactTypeName(fb->value));
  }
  return "unknown";
}

}  // namespace internal

// The public handle is only a wrapper: everything lives in ExprData, which the evaluator reads.
class Expr {
 public:
  internal::ExprData data;
};

namespace internal {
const ExprData& Data(const Expr& expr) { return expr.data; }

std::shared_ptr<const Expr> MakeExpr(ExprData data) {
  auto expr = std::make_shared<Expr>();
  expr->data = std::move(data);
  expr->data.slot_hashes.clear();
  for (const std::string& name : expr->data.slots) {
    expr->data.slot_hashes.push_back(HashName(name));
  }
  return expr;
}
}  // namespace internal

ParseOutcome ParseCondition(std::string_view text) {
  ParseOutcome outcome;
  auto expr = std::make_shared<Expr>();
  Lexer lexer(text, outcome.errors);
  std::vector<Token> tokens = lexer.Run();
  Parser parser(std::move(tokens), outcome.errors, expr->data);
  const int root = parser.Run();
  if (root == kFailed || !outcome.errors.empty()) {
    if (outcome.errors.empty()) outcome.errors.push_back({0, "invalid condition"});
    std::stable_sort(outcome.errors.begin(), outcome.errors.end(),
                     [](const ExprError& a, const ExprError& b) { return a.offset < b.offset; });
    return outcome;
  }
  expr->data.root = static_cast<std::uint32_t>(root);
  SortSlots(expr->data);
  expr->data.nodes.shrink_to_fit();
  expr->data.children.shrink_to_fit();
  expr->data.literals.shrink_to_fit();
  outcome.facts = expr->data.slots;
  outcome.expr = std::move(expr);
  return outcome;
}

EvalResult EvaluateExpr(const Expr& expr, const FactSet& facts) {
  const internal::ExprData& e = expr.data;
  const internal::Step step =
      internal::EvalNode(e, e.root, [&](std::uint32_t slot) -> const FactValue* {
        const Fact* fact = facts.Find(e.slots[slot]);
        return fact == nullptr ? nullptr : &fact->value;
      });
  EvalResult result;
  result.truth = step.truth;
  if (step.truth == Truth::kUnknown)
    result.why_unknown = internal::ExplainUnknown(e, step.why, facts);
  return result;
}

const std::vector<std::string>& ExprFacts(const Expr& expr) { return expr.data.slots; }

std::string DescribeExpr(const Expr& expr) {
  std::string out;
  DescribeNode(expr.data, expr.data.root, out);
  return out;
}

}  // namespace posdiag::rules
