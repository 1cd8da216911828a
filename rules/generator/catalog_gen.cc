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

// `constexpr T name[] = {...};` for a non-empty list, and the span expression that names it.
class Writer {
 public:
  std::string Array(std::string_view type, const std::string& name,
                    const std::vector<std::string>& items) {
    if (items.empty()) return "{}";
    arrays_ << "constexpr " << type << " " << name << "[] = {\n";
    for (const std::string& item : items) arrays_ << "    " << item << ",\n";
    arrays_ << "};\n";
    return name;
  }
  std::string Strings(const std::string& name, const std::vector<std::string>& items) {
    std::vector<std::string> quoted;
    for (const std::string& s : items) quoted.push_back(Quote(s));
    return Array("std::string_view", name, quoted);
  }
  std::ostringstream& arrays() { return arrays_; }

 private:
  std::ostringstream arrays_;
};

std::string Source(const std::vector<std::string>& names, const LoadOutcome& catalog) {
  Writer w;
  const std::string files = w.Strings("kFiles", names);
  std::vector<std::string> rules;
  for (std::size_t i = 0; i < catalog.rules.size(); ++i) {
    const Rule& r = catalog.rules[i];
    const std::string p = "kRule" + std::to_string(i);
    const internal::ExprData& e = internal::Data(*r.expr);
    std::vector<std::string> nodes;
    for (const internal::Node& n : e.nodes) {
      nodes.push_back("{Kind::" + std::string(KindName(n.kind)) +
                      ", CmpOp::" + std::string(OpName(n.op)) + ", " + std::to_string(n.a) + ", " +
                      std::to_string(n.b) + "}");
    }
    std::vector<std::string> children;
    for (const std::uint32_t c : e.children) children.push_back(std::to_string(c));
    std::vector<std::string> literals;
    for (const internal::Literal& l : e.literals) {
      literals.push_back("{LitType::" + std::string(LitTypeName(l.type)) + ", " +
                         (l.b ? "true" : "false") + ", " + Int64(l.i) + ", " + Double(l.d) + ", " +
                         Quote(l.s) + "}");
    }
    const std::string expr = "{" + w.Array("Node", p + "Nodes", nodes) + ", " +
                             w.Array("std::uint32_t", p + "Children", children) + ", " +
                             w.Array("StaticLiteral", p + "Literals", literals) + ", " +
                             w.Strings(p + "Slots", e.slots) + ", " + std::to_string(e.root) + "}";
    rules.push_back(
        "{" + Quote(r.id) + ",\n     " + Quote(r.condition) + ",\n     " + expr + ",\n     " +
        Quote(r.code) + ", Severity::" + std::string(SeverityEnum(r.severity)) + ", " +
        Quote(r.component) + ",\n     " + Quote(r.title.zh_cn) + ",\n     " + Quote(r.title.en) +
        ",\n     " + w.Strings(p + "RemedyZhCn", r.remedy.zh_cn) + ", " +
        w.Strings(p + "RemedyEn", r.remedy.en) + ", " + w.Strings(p + "Suppresses", r.suppresses) +
        ",\n     " + Quote(r.where.file) + ", " + std::to_string(r.where.line) + ", " +
        std::to_string(r.where.column) + "}");
  }
  const std::string rule_table = w.Array("StaticRule", "kRules", rules);
  std::vector<std::string> codes;
  for (const CodeInfo& c : catalog.codes) {
    codes.push_back("{" + Quote(c.code) + ", " + Quote(c.meaning.zh_cn) + ", " +
                    Quote(c.meaning.en) + ", " + Quote(c.where.file) + ", " +
                    std::to_string(c.where.line) + ", " + std::to_string(c.where.column) + "}");
  }
  const std::string code_table = w.Array("StaticCode", "kCodes", codes);

  std::ostringstream out;
  out << "// Generated at build time by rules_catalog_gen from rules/catalog/*.toml; edit those\n"
         "// files, not this one.\n"
         "#include <cstdint>\n"
         "#include <limits>\n\n"
         "#include \"rules/loader/static_catalog.h\"\n\n"
         "namespace posdiag::rules::internal {\n"
         "namespace {\n\n"
      << w.arrays().str()
      << "\n}  // namespace\n\n"
         "const StaticCatalogTables& StaticCatalog() {\n"
         "  static constexpr StaticCatalogTables kTables = {"
      << files << ", " << rule_table << ", " << code_table
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
