// What every mode needs before it can work: the config (checked against every probe's sections)
// and the probes. Default places for the files a terminal keeps.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/probe.h"
#include "drivers/base/result.h"

namespace posdiag::agent {

inline constexpr const char* kDefaultConfigPath = "/etc/posdiag/posdiag.toml";
inline constexpr const char* kDefaultLogDir = "/var/log/posdiag";
inline constexpr const char* kDefaultHistoryDir = "/var/lib/posdiag/history";

struct Setup {
  std::shared_ptr<const Config> config;
  std::vector<std::shared_ptr<Probe>> probes;
};

// Loads the given config, or the default file when it exists, or built-in defaults (the system
// and power probes, which need nothing but /sys and /proc). Errors name the file and key.
Result<Setup> LoadSetup(const std::optional<std::string>& config_path);

// The site rule files the config names: [rules] files, and every *.toml in [rules] dir, sorted.
std::vector<std::string> SiteRuleFiles(const Config& config);

}  // namespace posdiag::agent
