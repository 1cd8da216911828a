// posdiag: the command line. Wiring only: each subcommand calls one mode in agent/modes/.
#include <CLI/CLI.hpp>
#include <csignal>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/modes/modes.h"

namespace {

using posdiag::agent::Level;
using posdiag::agent::OutputFormat;
using posdiag::rules::Lang;

const std::map<std::string, Level> kLevels{
    {"boot", Level::kBoot}, {"merchant", Level::kMerchant}, {"engineer", Level::kEngineer}};
const std::map<std::string, Lang> kLangs{{"zh-CN", Lang::kZhCn}, {"zh", Lang::kZhCn}, {"en", Lang::kEn}};

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe (`posdiag selftest | head`) is a write error for the sink, not a kill.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"posdiag: why can't this terminal take a payment, and what to do about it"};
  app.set_version_flag("--version", std::string(POSDIAG_VERSION));
  app.require_subcommand(1);

  posdiag::agent::SelftestArgs selftest;
  std::string config;
  auto* st = app.add_subcommand("selftest", "Run the probes once and report");
  st->add_option("--config", config, "Config file (TOML)");
  st->add_option("--level", selftest.level, "boot, merchant or engineer")
      ->transform(CLI::CheckedTransformer(kLevels, CLI::ignore_case));
  std::map<std::string, OutputFormat> report_formats{{"text", OutputFormat::kText},
                                                     {"json", OutputFormat::kJson}};
  st->add_option("--format", selftest.format, "text or json")
      ->transform(CLI::CheckedTransformer(report_formats, CLI::ignore_case));
  st->add_option("--lang", selftest.lang, "zh-CN (default) or en")
      ->transform(CLI::CheckedTransformer(kLangs, CLI::ignore_case));

  auto* rules = app.add_subcommand("rules", "Rule file tools");
  rules->require_subcommand(1);
  std::vector<std::string> rule_files;
  auto* check = rules->add_subcommand("check", "Validate rule files");
  check->add_option("files", rule_files, "Rule files (TOML)")->required();

  OutputFormat codes_format = OutputFormat::kText;
  Lang codes_lang = Lang::kZhCn;
  auto* codes = app.add_subcommand("codes", "Print the code catalogue");
  codes->add_option("--config", config, "Config file naming site rule files");
  std::map<std::string, OutputFormat> codes_formats{{"text", OutputFormat::kText},
                                                    {"json", OutputFormat::kJson},
                                                    {"markdown", OutputFormat::kMarkdown}};
  codes->add_option("--format", codes_format, "text, json or markdown")
      ->transform(CLI::CheckedTransformer(codes_formats, CLI::ignore_case));
  codes->add_option("--lang", codes_lang, "zh-CN (default) or en")
      ->transform(CLI::CheckedTransformer(kLangs, CLI::ignore_case));

  OutputFormat history_format = OutputFormat::kText;
  Lang history_lang = Lang::kZhCn;
  auto* history = app.add_subcommand("history", "List past reports");
  history->add_option("--config", config, "Config file (TOML)");
  history->add_option("--format", history_format, "text or json")
      ->transform(CLI::CheckedTransformer(report_formats, CLI::ignore_case));
  history->add_option("--lang", history_lang, "zh-CN (default) or en")
      ->transform(CLI::CheckedTransformer(kLangs, CLI::ignore_case));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 3;  // a command line that cannot run: "could not complete"
  }

  std::optional<std::string> config_path;
  if (!config.empty()) config_path = config;
  if (st->parsed()) {
    selftest.config = config_path;
    return posdiag::agent::RunSelftest(selftest);
  }
  if (check->parsed()) return posdiag::agent::RunRulesCheck(rule_files);
  if (codes->parsed()) return posdiag::agent::RunCodes(config_path, codes_format, codes_lang);
  if (history->parsed()) return posdiag::agent::RunHistory(config_path, history_format, history_lang);
  return 3;
}
