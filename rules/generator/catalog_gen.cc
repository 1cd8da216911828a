// rules_catalog_gen OUTPUT ROOT FILE...: loads the catalogue files (absolute paths, under ROOT)
// with the run-time loader and the whole-catalogue checks, and writes OUTPUT, a C++ source that
// defines internal::StaticCatalog() (rules/loader/static_catalog.h). Any problem is printed as
// "file:line:column: message" and fails the build; OUTPUT is then left as it was. OUTPUT is only
// rewritten when its text changes, so an unrelated rebuild recompiles nothing.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "rules/engine/expr_internal.h"
#include "rules/loader/catalog.h"

namespace posdiag::rules {
namespace {

// A C++ string literal for any bytes: printable ASCII as it is, everything else (UTF-8 included)
// as three-digit octal escapes, which cannot run into the next character.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\' && c != '?') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", u);
      out += buf;
    }
  }
  return out + "\"";
}

std::string_view KindName(internal::Kind kind) {
  switch (kind) {
    case internal::Kind::kAnd:
      return "kAnd";
    case internal::Kind::kOr:
      return "kOr";
    case internal::Kind::kNot:
      return "kNot";
    case internal::Kind::kExists:
      return "kExists";
    case internal::Kind::kCmpLiteral:
      return "kCmpLiteral";
    case internal::Kind::kCmpFacts:
      return "kCmpFacts";
  }
  return "kAnd";
}

std::string_view OpName(internal::CmpOp op) {
  switch (op) {
    case internal::CmpOp::kEq:
      return "kEq";
    case internal::CmpOp::kNe:
      return "kNe";
    case internal::CmpOp::kLt:
      return "kLt";
    case internal::CmpOp::kLe:
      return "kLe";
    case internal::CmpOp::kGt:
      return "kGt";
    case internal::CmpOp::kGe:
      return "kGe";
  }
  return "kEq";
}

std::string_view LitTypeName(internal::LitType type) {
  switch (type) {
    case internal::LitType::kBool:
      return "kBool";
    case internal::LitType::kInt:
      return "kInt";
    case internal::LitType::kReal:
      return "kReal";
    case internal::LitType::kText:
      return "kText";
  }
  return "kBool";
}

std::string_view SeverityEnum(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "kInfo";
    case Severity::kWarning:
      return "kWarning";
    case Severity::kError:
      return "kError";
    case Severity::kCritical:
      return "kCritical";
  }
  return "kError";
}

std::string Int64(std::int64_t v) {
  if (v == std::numeric_limits<std::int64_t>::min()) {
    return "std::numeric_limits<std::int64_t>::min()";
  }
  return "std::int64_t{" + std::to_string(v) + "}";
}

// Exact: a hexadecimal float literal round-trips every finite double.
std::string Double(double v) {
  if (std::isnan(v)) return "std::numeric_limits<double>::quiet_NaN()";
  if (std::isinf(v)) {
    return v > 0 ? "std::numeric_limits<double>::infinity()"
                 : "-std::numeric_limits<double>::infinity()";
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

// The tables as they are written: every string once in one text, lists and condition parts
// appended to shared arrays, each referred to by offset and count (static_catalog.h).
class Tables {
 public:
  std::string Text(const std::string& s) {
    auto [it, added] = offsets_.emplace(s, static_cast<std::uint32_t>(text_size_));
    if (added) {
      text_ << "    " << Quote(s) << "\n";
      text_size_ += s.size();
    }
    return "{" + std::to_string(it->second) + ", " + std::to_string(s.size()) + "}";
  }
  std::string List(const std::vector<std::string>& items) {
    const std::size_t begin = lists_.size();
    for (const std::string& s : items) lists_.push_back(Text(s));
    return Range(begin, items.size());
  }
  std::string Expr(const internal::ExprData& e) {
    const std::size_t nodes = nodes_.size();
    for (const internal::Node& n : e.nodes) {
      nodes_.push_back("{Kind::" + std::string(KindName(n.kind)) +
                       ", CmpOp::" + std::string(OpName(n.op)) + ", " + std::to_string(n.a) + ", " +
                       std::to_string(n.b) + "}");
    }
    const std::size_t children = children_.size();
    for (const std::uint32_t c : e.children) children_.push_back(std::to_string(c));
    const std::size_t literals = literals_.size();
    for (const internal::Literal& l : e.literals) {
      literals_.push_back("{LitType::" + std::string(LitTypeName(l.type)) + ", " +
                          (l.b ? "true" : "false") + ", " + Int64(l.i) + ", " + Double(l.d) + ", " +
                          Text(l.s) + "}");
    }
    const std::string slots = List(e.slots);
    return "{" + Range(nodes, e.nodes.size()) + ", " + Range(children, e.children.size()) + ", " +
           Range(literals, e.literals.size()) + ", " + slots + ", " + std::to_string(e.root) + "}";
  }

  // The definitions of the shared arrays; an empty one becomes an empty span.
  std::string Definitions(std::string& lists, std::string& nodes, std::string& children,
                          std::string& literals) const {
    std::ostringstream out;
    out << "constexpr char kText[] =\n" << text_.str() << "    \"\";\n";
    lists = Array(out, "TextRef", "kLists", lists_);
    nodes = Array(out, "Node", "kNodes", nodes_);
    children = Array(out, "std::uint32_t", "kChildren", children_);
    literals = Array(out, "StaticLiteral", "kLiterals", literals_);
    return out.str();
  }
  std::size_t text_size() const { return text_size_; }

  static std::string Range(std::size_t begin, std::size_t count) {
    return "{" + std::to_string(begin) + ", " + std::to_string(count) + "}";
  }
  static std::string Array(std::ostringstream& out, std::string_view type, std::string_view name,
                           const std::vector<std::string>& items) {
    if (items.empty()) return "{}";
    out << "constexpr " << type << " " << name << "[] = {\n";
    for (const std::string& item : items) out << "    " << item << ",\n";
    out << "};\n";
    return std::string(name);
  }

 private:
  std::map<std::string, std::uint32_t> offsets_;
  std::ostringstream text_;
  std::size_t text_size_ = 0;
  std::vector<std::string> lists_;
  std::vector<std::string> nodes_;
  std::vector<std::string> children_;
  std::vector<std::string> literals_;
};

std::string Source(const std::vector<std::string>& names, const LoadOutcome& catalog) {
  Tables t;
  const std::string files = t.List(names);
  std::vector<std::string> rules;
  for (const Rule& r : catalog.rules) {
    const std::string expr = t.Expr(internal::Data(*r.expr));
    std::string row = "{" + t.Text(r.id) + ", " + t.Text(r.condition) + ", " + expr + ", ";
    row += t.Text(r.code) + ", Severity::" + std::string(SeverityEnum(r.severity)) + ", ";
    row += t.Text(r.component) + ", " + t.Text(r.title.zh_cn) + ", " + t.Text(r.title.en) + ", ";
    row += t.List(r.remedy.zh_cn) + ", " + t.List(r.remedy.en) + ", " + t.List(r.suppresses) + ", ";
    row += t.Text(r.where.file) + ", " + std::to_string(r.where.line) + ", " +
           std::to_string(r.where.column) + "}";
    rules.push_back("// " + r.id + "\n    " + row);
  }
  std::vector<std::string> codes;
  for (const CodeInfo& c : catalog.codes) {
    codes.push_back("{" + t.Text(c.code) + ", " + t.Text(c.meaning.zh_cn) + ", " +
                    t.Text(c.meaning.en) + ", " + t.Text(c.where.file) + ", " +
                    std::to_string(c.where.line) + ", " + std::to_string(c.where.column) + "}");
  }
  std::string lists, nodes, children, literals;
  std::ostringstream out;
  out << "// Generated at build time by rules_catalog_gen from rules/catalog/*.toml; edit those\n"
         "// files, not this one.\n"
         "#include <cstdint>\n"
         "#include <limits>\n\n"
         "#include \"rules/loader/static_catalog.h\"\n\n"
         "namespace posdiag::rules::internal {\n"
         "namespace {\n\n"
      << t.Definitions(lists, nodes, children, literals);
  const std::string rule_table = Tables::Array(out, "StaticRule", "kRules", rules);
  const std::string code_table = Tables::Array(out, "StaticCode", "kCodes", codes);
  out << "\n}  // namespace\n\n"
         "const StaticCatalogTables& StaticCatalog() {\n"
         "  static constexpr StaticCatalogTables kTables = {\n"
         "      std::string_view(kText, "
      << t.text_size() << "), " << lists << ", " << nodes << ", " << children << ", " << literals
      << ", " << files << ", " << rule_table << ", " << code_table
      << "};\n"
         "  return kTables;\n"
         "}\n\n"
         "}  // namespace posdiag::rules::internal\n";
  return out.str();
}

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

int Main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: rules_catalog_gen OUTPUT ROOT [FILE...]\n";
    return 2;
  }
  const std::string output = argv[1];
  const std::filesystem::path root = argv[2];
  std::vector<std::pair<std::string, std::string>> files;  // name under ROOT, path
  for (int i = 3; i < argc; ++i) {
    const std::string path = argv[i];
    files.emplace_back(std::filesystem::path(path).lexically_relative(root).generic_string(), path);
  }
  std::sort(files.begin(), files.end());

  // As a run-time load would: each file with LoadRuleText, then the whole-catalogue checks.
  LoadOutcome all;
  std::vector<std::string> names;
  for (const auto& [name, path] : files) {
    names.push_back(name);
    std::string text;
    if (!ReadFile(path, text)) {
      all.diagnostics.push_back({{name, 0, 0}, "cannot read " + path});
      continue;
    }
    LoadOutcome one = LoadRuleText(text, name);
    for (Rule& r : one.rules) all.rules.push_back(std::move(r));
    for (CodeInfo& c : one.codes) all.codes.push_back(std::move(c));
    for (Diagnostic& d : one.diagnostics) all.diagnostics.push_back(std::move(d));
  }
  for (Diagnostic& d : CheckCatalog(all.rules)) all.diagnostics.push_back(std::move(d));
  for (Diagnostic& d : CheckCodes(all.rules, all.codes)) all.diagnostics.push_back(std::move(d));
  if (!all.ok()) {
    for (const Diagnostic& d : all.diagnostics) std::cerr << d.ToString() << '\n';
    std::cerr << "rules_catalog_gen: the built-in catalogue has " << all.diagnostics.size()
              << " problem(s)\n";
    return 1;
  }

  const std::string text = Source(names, all);
  std::string old;
  if (ReadFile(output, old) && old == text) return 0;
  const std::string temp = output + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      std::cerr << "rules_catalog_gen: cannot write " << temp << '\n';
      return 1;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, output, ec);
  if (ec) {
    std::cerr << "rules_catalog_gen: cannot write " << output << ": " << ec.message() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace posdiag::rules

int main(int argc, char** argv) { return posdiag::rules::Main(argc, argv); }
