// What every mode needs before it can work: the config, checked whole against every table's
// schema (the core ones, every device's, the daemon's and the console's), and the devices.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/device.h"
#include "drivers/base/result.h"

namespace posdiag::agent {

inline constexpr const char* kDefaultConfigPath = "/etc/posdiag/posdiag.toml";

// Every table a config may have.
std::vector<SectionSpec> AllConfigSections();

struct Setup {
  std::shared_ptr<const Config> config;
  const Registry* registry = nullptr;  // the devices (agent/probes/registry.h)
};

// Loads the given config, or the default file when it exists, or built-in defaults (the system
// and power probes, which need nothing but /sys and /proc). Any problem in the file is an error,
// one line each: "file:line:col: [section] key: why".
Result<Setup> LoadSetup(const std::optional<std::string>& config_path);

// The site rule files the config names: [rules] files, and every *.toml in [rules] dir, sorted.
std::vector<std::string> SiteRuleFiles(const Config& config);

// Prints an error whose detail may hold several lines as "posdiag: LINE" each, on stderr.
void PrintError(const Error& error);

}  // namespace posdiag::agent
