// posdiag: the command line. Wiring only: each subcommand calls one mode in agent/modes/.
#include <CLI/CLI.hpp>
#include <csignal>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/modes/handoff.h"
#include "agent/modes/modes.h"
#include "agent/modes/pin_hash.h"
#include "agent/modes/update_gate.h"

namespace {

using posdiag::agent::Level;
using posdiag::agent::OutputFormat;
using posdiag::rules::Lang;

// Choices as the user types them; an unknown one is named in the error with the list.
template <typename T>
CLI::Option* AddChoice(CLI::App* app, const std::string& flag, T& target,
                       const std::vector<std::pair<std::string, T>>& choices,
                       const std::string& help) {
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) names.push_back(name);
  return app
      ->add_option_function<std::string>(
          flag,
          [&target, choices](const std::string& text) {
            for (const auto& [name, value] : choices) {
              if (name == text) target = value;
            }
          },
          help)
      ->check(CLI::IsMember(names));
}

const std::vector<std::pair<std::string, Level>> kLevels{
    {"boot", Level::kBoot}, {"merchant", Level::kMerchant}, {"engineer", Level::kEngineer}};
const std::vector<std::pair<std::string, Lang>> kLangs{
    {"zh-CN", Lang::kZhCn}, {"zh", Lang::kZhCn}, {"en", Lang::kEn}};
const std::vector<std::pair<std::string, OutputFormat>> kReportFormats{
    {"text", OutputFormat::kText}, {"json", OutputFormat::kJson}};
const std::vector<std::pair<std::string, OutputFormat>> kSelftestFormats{
    {"text", OutputFormat::kText},
    {"json", OutputFormat::kJson},
    {"nagios", OutputFormat::kNagios}};
const std::vector<std::pair<std::string, OutputFormat>> kDocFormats{
    {"text", OutputFormat::kText}, {"markdown", OutputFormat::kMarkdown}};
const std::vector<std::pair<std::string, OutputFormat>> kCodesFormats{
    {"text", OutputFormat::kText},
    {"json", OutputFormat::kJson},
    {"markdown", OutputFormat::kMarkdown}};

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe (`posdiag selftest | head`) is a write error for the sink, not a kill.
  std::signal(SIGPIPE, SIG_IGN);
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
  // One malloc arena: glibc gives each probe thread its own, whose pages stay with the process
  // (about 0.25 MB of a self-test's peak RSS); a run's few short-lived threads do not contend.
  mallopt(M_ARENA_MAX, 1);
#endif
  CLI::App app{"posdiag: why can't this terminal take a payment, and what to do about it"};
  app.set_version_flag("--version", std::string(POSDIAG_VERSION));
  app.require_subcommand(1);

  posdiag::agent::SelftestArgs selftest;
  std::string config;
  auto* st = app.add_subcommand("selftest", "Run the probes once and report");
  st->add_option("--config", config, "Config file (TOML)");
  AddChoice(st, "--level", selftest.level, kLevels, "boot (default), merchant or engineer");
  AddChoice(st, "--format", selftest.format, kSelftestFormats,
            "text (default), json, or nagios (one plugin line)");
  AddChoice(st, "--lang", selftest.lang, kLangs, "zh-CN (default) or en");

  auto* daemon = app.add_subcommand("daemon", "Wait for the diagnose key and serve the console");
  daemon->add_option("--config", config, "Config file (TOML)");

  auto* rules = app.add_subcommand("rules", "Rule file tools");
  rules->require_subcommand(1);
  std::vector<std::string> rule_files;
  auto* check = rules->add_subcommand("check", "Validate rule files");
  check->add_option("files", rule_files, "Rule files (TOML)")->required();

  OutputFormat codes_format = OutputFormat::kText;
  Lang codes_lang = Lang::kZhCn;
  auto* codes = app.add_subcommand("codes", "Print the code catalogue");
  codes->add_option("--config", config, "Config file naming site rule files");
  AddChoice(codes, "--format", codes_format, kCodesFormats, "text (default), json or markdown");
  AddChoice(codes, "--lang", codes_lang, kLangs, "zh-CN (default) or en");

  OutputFormat facts_format = OutputFormat::kText;
  auto* facts = app.add_subcommand("facts", "Print every fact the probes may write");
  AddChoice(facts, "--format", facts_format, kDocFormats, "text (default) or markdown");

  auto* config_cmd = app.add_subcommand("config", "Config file tools");
  config_cmd->require_subcommand(1);
  std::string config_file;
  auto* config_check = config_cmd->add_subcommand(
      "check", "Validate the whole config (default /etc/posdiag/posdiag.toml); exit 0 or 3");
  config_check->add_option("file", config_file, "Config file (TOML)");
  OutputFormat keys_format = OutputFormat::kText;
  auto* config_keys = config_cmd->add_subcommand("keys", "Print every table and key");
  AddChoice(config_keys, "--format", keys_format, kDocFormats, "text (default) or markdown");

  OutputFormat history_format = OutputFormat::kText;
  Lang history_lang = Lang::kZhCn;
  auto* history = app.add_subcommand("history", "List past reports");
  history->add_option("--config", config, "Config file (TOML)");
  AddChoice(history, "--format", history_format, kReportFormats, "text (default) or json");
  AddChoice(history, "--lang", history_lang, kLangs, "zh-CN (default) or en");

  // The engineer's serial console: tools for setting it up (the console itself runs in the daemon).
  auto* console = app.add_subcommand("console", "Serial console tools");
  console->require_subcommand(1);
  std::uint32_t pin_iterations = posdiag::agent::kDefaultPinIterations;
  auto* hash_pin = console->add_subcommand(
      "hash-pin", "Read the engineer PIN from stdin, print the [console] pin_hash for it");
  hash_pin->add_option("--iterations", pin_iterations, "PBKDF2 iterations")
      ->check(CLI::Range(posdiag::agent::kMinPinIterations, posdiag::agent::kMaxPinIterations));

  std::vector<std::string> gate_components = posdiag::agent::kPaymentPath;
  auto* gate = app.add_subcommand(
      "update-gate",
      "After an A/B update: the boot self-test, judged on the payment path only; exit 0 keep, "
      "2 roll back, 3 cannot tell");
  gate->add_option("--config", config, "Config file (TOML)");
  gate->add_option("--component", gate_components,
                   "A component on the payment path (repeat; default network, card_reader, "
                   "magstripe, system)");
  std::string gate_rauc_status;
  gate->add_option("--rauc-status", gate_rauc_status,
                   "Print the booted slot from a saved `rauc status --detailed "
                   "--output-format=json` (BOOTNAME BOOT_STATUS ACTIVATION) and run nothing");

  auto* fleet = app.add_subcommand("fleet", "Reports to the support desk over MQTT");
  fleet->require_subcommand(1);
  int flush_timeout_s = 30;
  auto* flush = fleet->add_subcommand(
      "flush", "Send the outbox to [fleet] broker once; exit 0 when all was acknowledged, else 3");
  flush->add_option("--config", config, "Config file (TOML)");
  flush->add_option("--timeout", flush_timeout_s, "Seconds to wait at most (default 30)")
      ->check(CLI::Range(1, 3600));
  // The hand-off to support (docs/hand-off.md): the terminal's signing key, the desk's decoder.
  std::string keygen_path;
  auto* keygen = app.add_subcommand(
      "keygen", "Write a new Ed25519 signing key for [report] signing_key; print its public key");
  keygen->add_option("file", keygen_path, "Where the private key goes (a new file, mode 0600)")
      ->required();
  posdiag::agent::DecodeArgs decode_args;
  auto* decode = app.add_subcommand(
      "decode",
      "Read a hand-off summary (the QR code's text); exit 0 valid, 1 absent or unknown "
      "key, 2 INVALID, 3 unreadable");
  decode->add_option("--pubkey", decode_args.pubkey, "The terminal's public key (PEM)");
  AddChoice(decode, "--lang", decode_args.lang, kLangs, "zh-CN (default) or en");
  bool decode_json = false;
  decode->add_flag("--json", decode_json, "JSON instead of text");
  decode->add_option("payload", decode_args.payload, "The summary, or - (default) for stdin");

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
  if (daemon->parsed()) return posdiag::agent::RunDaemon({config_path});
  if (check->parsed()) return posdiag::agent::RunRulesCheck(rule_files);
  if (codes->parsed()) return posdiag::agent::RunCodes(config_path, codes_format, codes_lang);
  if (facts->parsed()) return posdiag::agent::RunFacts(facts_format);
  if (config_check->parsed()) {
    return posdiag::agent::RunConfigCheck(config_file.empty() ? std::nullopt
                                                              : std::optional(config_file));
  }
  if (config_keys->parsed()) return posdiag::agent::RunConfigKeys(keys_format);
  if (history->parsed())
    return posdiag::agent::RunHistory(config_path, history_format, history_lang);
  if (hash_pin->parsed()) return posdiag::agent::RunHashPin(pin_iterations);
  if (gate->parsed() && !gate_rauc_status.empty()) {
    return posdiag::agent::RunRaucBootedSlot(gate_rauc_status);
  }
  if (gate->parsed()) return posdiag::agent::RunUpdateGate(config_path, gate_components);
  if (flush->parsed()) {
    return posdiag::agent::RunFleetFlush(config_path, std::chrono::seconds(flush_timeout_s));
  }
  if (keygen->parsed()) return posdiag::agent::RunKeygen(keygen_path);
  if (decode->parsed()) {
    decode_args.json = decode_json;
    return posdiag::agent::RunDecode(decode_args);
  }
  return 3;
}
