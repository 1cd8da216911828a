// The ways posdiag runs, one function each; main.cc only parses the command line and calls these.
// Each returns the process exit status of DESIGN.md (0 clear, 1 warnings, 2 errors, 3 could not
// complete).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/probe.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

enum class OutputFormat { kText, kJson, kMarkdown, kNagios };

struct SelftestArgs {
  std::optional<std::string> config;  // --config; else /etc/posdiag/posdiag.toml if it exists
  Level level = Level::kBoot;
  OutputFormat format = OutputFormat::kText;
  rules::Lang lang = rules::Lang::kZhCn;
};
int RunSelftest(const SelftestArgs& args);

// `posdiag daemon`: waits for the diagnose key ([keys]) and serves the serial console
// ([console]) until SIGTERM, SIGINT or SIGHUP: then 0. 3 when the config is bad.
struct DaemonArgs {
  std::optional<std::string> config;  // --config; else the default file, as selftest
};
int RunDaemon(const DaemonArgs& args);

// `posdiag rules check FILE...`: every error with file:line:column; exit 0 when all are clean.
int RunRulesCheck(const std::vector<std::string>& files);

// `posdiag codes`: the built-in catalogue; with --config, plus the site rules that config names
// (not the default config: the catalogue page must not depend on the machine it is made on).
int RunCodes(const std::optional<std::string>& config, OutputFormat format, rules::Lang lang);

// `posdiag facts`: every fact the probes may write (docs/facts.md is its Markdown).
int RunFacts(OutputFormat format);

// `posdiag config check [FILE]`: only the whole-file validation every command does first; 0 or 3.
int RunConfigCheck(const std::optional<std::string>& config);

// `posdiag config keys`: every table and key the config may hold (docs/configuration.md's table).
int RunConfigKeys(OutputFormat format);

// `posdiag history`: the reports kept under [history] dir, newest first.
int RunHistory(const std::optional<std::string>& config, OutputFormat format, rules::Lang lang);

// `posdiag fleet flush`: sends what the outbox holds to [fleet] broker once, within `timeout`;
// 0 when it was all acknowledged, 3 otherwise (the reason on stderr; nothing is lost).
int RunFleetFlush(const std::optional<std::string>& config, std::chrono::seconds timeout);

}  // namespace posdiag::agent
