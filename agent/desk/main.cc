// posdiag-fleet: the support desk's side of the fleet (docs/fleet.md). Wiring only: each
// subcommand calls one command in fleet_commands.h. Exit status: 0 done, 3 could not complete.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <string>

#include "agent/desk/fleet_commands.h"
#include "agent/desk/wire.h"
#include "agent/handoff/decode.h"

namespace {

namespace desk = posdiag::desk;
namespace mqtt = posdiag::drivers::mqtt;

struct BrokerFlags {
  std::string url;
  std::string ca_file;
  std::string cert;
  std::string key;
  std::string prefix{desk::kDefaultTopicPrefix};
};

void AddBrokerFlags(CLI::App* app, BrokerFlags& f) {
  app->add_option("--broker", f.url, "mqtts://HOST:PORT (mqtt:// only on loopback)")->required();
  app->add_option("--ca-file", f.ca_file, "The broker's CA (PEM); default: the system's")
      ->check(CLI::ExistingFile);
  app->add_option("--cert", f.cert, "This desk's client certificate (PEM)")
      ->check(CLI::ExistingFile);
  app->add_option("--key", f.key, "Its key (PEM)")->check(CLI::ExistingFile);
  app->add_option("--topic-prefix", f.prefix, "Topic prefix (default posdiag/v1)");
}

// The broker flags checked and turned into the commands' form; false after saying why.
bool ToBrokerArgs(const std::string& command, const BrokerFlags& f, desk::BrokerArgs& out) {
  auto url = mqtt::ParseBrokerUrl(f.url);
  if (!url) {
    std::cerr << "posdiag-fleet " << command << ": " << url.error().detail << "\n";
    return false;
  }
  if (!desk::ValidTopicPrefix(f.prefix)) {
    std::cerr << "posdiag-fleet " << command << ": --topic-prefix " << f.prefix
              << ": levels of A-Z a-z 0-9 . _ - separated by '/'\n";
    return false;
  }
  out.broker = *url;
  out.tls = {f.ca_file, f.cert, f.key};
  out.prefix = f.prefix;
  return true;
}

const std::map<std::string, desk::Format> kFormats{{"text", desk::Format::kText},
                                                   {"json", desk::Format::kJson}};
const std::map<std::string, posdiag::rules::Lang> kLangs{{"zh-CN", posdiag::rules::Lang::kZhCn},
                                                         {"zh", posdiag::rules::Lang::kZhCn},
                                                         {"en", posdiag::rules::Lang::kEn}};

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"posdiag-fleet: the support desk's view of the terminals' posdiag reports"};
  app.set_version_flag("--version", std::string(POSDIAG_VERSION));
  app.require_subcommand(1);

  BrokerFlags collect_broker;
  desk::CollectArgs collect;
  int connect_timeout = 15;
  auto* collect_cmd = app.add_subcommand(
      "collect", "Store the terminals' reports and status in SQLite until SIGTERM/SIGINT");
  AddBrokerFlags(collect_cmd, collect_broker);
  collect_cmd->add_option("--group", collect.group,
                          "Shared subscription group: collectors in one group split the reports");
  collect_cmd->add_option("--db", collect.db, "SQLite database (created when absent)")->required();
  collect_cmd->add_option("--client-id", collect.client_id,
                          "This collector's name on the broker, the same across restarts (its "
                          "session, and the reports queued for it, are kept while it is away)");
  collect_cmd
      ->add_option("--connect-timeout", connect_timeout,
                   "Seconds to make the first connection (default 15)")
      ->check(CLI::Range(1, 600));

  std::string db;
  desk::Format format = desk::Format::kText;
  auto* list_cmd = app.add_subcommand("list", "Terminals: state, last seen, last status, codes");
  list_cmd->add_option("--db", db, "SQLite database")->required();
  list_cmd->add_option("--format", format, "text or json")
      ->transform(CLI::CheckedTransformer(kFormats, CLI::ignore_case));

  std::string report_id;
  posdiag::rules::Lang lang = posdiag::rules::Lang::kZhCn;
  auto* show_cmd = app.add_subcommand("show", "One report, by the ID a merchant reads out");
  show_cmd->add_option("REPORT_ID", report_id, "e.g. 7KQ2-M9X4, 7kq2m9x4, at least 4 symbols")
      ->required();
  show_cmd->add_option("--db", db, "SQLite database")->required();
  show_cmd->add_option("--format", format, "text or json")
      ->transform(CLI::CheckedTransformer(kFormats, CLI::ignore_case));
  show_cmd->add_option("--lang", lang, "zh-CN (default) or en")
      ->transform(CLI::CheckedTransformer(kLangs));

  BrokerFlags run_broker;
  desk::RemoteRunArgs run;
  int timeout = 60;
  auto* run_cmd =
      app.add_subcommand("run", "Ask a terminal to run a diagnosis, wait for its result");
  run_cmd->add_option("TERMINAL", run.terminal_id, "Terminal ID")->required();
  run_cmd->add_option("LEVEL", run.level, "boot, merchant or engineer")
      ->required()
      ->check(CLI::IsMember({"boot", "merchant", "engineer"}));
  AddBrokerFlags(run_cmd, run_broker);
  run_cmd->add_option("--timeout", timeout, "Seconds to wait for the result (default 60)")
      ->check(CLI::Range(1, 3600));
  run_cmd->add_option("--format", run.format, "text or json")
      ->transform(CLI::CheckedTransformer(kFormats, CLI::ignore_case));
  run_cmd->add_option("--lang", run.lang, "zh-CN or en (default)")
      ->transform(CLI::CheckedTransformer(kLangs));

  // The hand-off summary a merchant's QR code or slip carries (docs/hand-off.md), as
  // `posdiag decode` reads it: the same code.
  posdiag::agent::DecodeArgs decode_args;
  auto* decode_cmd = app.add_subcommand(
      "decode",
      "Read a hand-off summary (the QR code's text); exit 0 valid, 1 absent or unknown key, "
      "2 INVALID, 3 unreadable");
  decode_cmd->add_option("--pubkey", decode_args.pubkey, "The terminal's public key (PEM)");
  decode_cmd->add_option("--lang", decode_args.lang, "zh-CN (default) or en")
      ->transform(CLI::CheckedTransformer(kLangs));
  decode_cmd->add_flag("--json", decode_args.json, "JSON instead of text");
  decode_cmd->add_option("payload", decode_args.payload, "The summary, or - (default) for stdin");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 3;  // a command line that cannot run: "could not complete"
  }

  if (collect_cmd->parsed()) {
    if (!ToBrokerArgs("collect", collect_broker, collect.broker)) return 3;
    if (!desk::ValidTerminalId(collect.group)) {
      std::cerr << "posdiag-fleet collect: --group " << collect.group
                << ": 1-64 of A-Z a-z 0-9 . _ -\n";
      return 3;
    }
    collect.connect_timeout = std::chrono::seconds(connect_timeout);
    return desk::RunCollect(collect);
  }
  if (list_cmd->parsed()) return desk::RunList(db, format);
  if (show_cmd->parsed()) return desk::RunShow(report_id, db, format, lang);
  if (decode_cmd->parsed()) return posdiag::agent::RunDecode(decode_args);
  if (run_cmd->parsed()) {
    if (!ToBrokerArgs("run", run_broker, run.broker)) return 3;
    run.timeout = std::chrono::seconds(timeout);
    return desk::RunRemote(run);
  }
  return 3;
}
