// The publishing side of the fleet benchmark (fleet_bench.sh): N simulated terminals, each its
// own MQTT connection through posdiag's client (drivers/mqtt), each publishing a report every
// --interval seconds (first ones spread over the interval) for --duration seconds. Each report
// carries "published_ms", the wall-clock time it was handed to the client, so the collector's
// row gives the end-to-end latency. One thread, poll(2) over every connection.
//
//   fleet_bench --broker mqtt://127.0.0.1:PORT --terminals 1000 --interval 10 --duration 120
#include <poll.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "agent/report_id.h"
#include "drivers/mqtt/mqtt_client.h"

namespace {

namespace mqtt = posdiag::drivers::mqtt;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Terminal {
  std::string id;
  std::unique_ptr<mqtt::Client> client;
  bool up = false;
  std::string down_why;
  Clock::time_point next;
  int in_flight = 0;
};

// A merchant-level report of the usual size: probes, facts and one finding.
std::string Report(const std::string& terminal, std::int64_t published_ms) {
  nlohmann::json probes = nlohmann::json::array();
  for (const char* p :
       {"power", "storage", "clock", "network", "modem", "printer", "card_reader"}) {
    probes.push_back({{"name", p}, {"status", "ok"}, {"duration_ms", 12}, {"error", nullptr}});
  }
  return nlohmann::json{
      {"schema", "posdiag.report/1"},
      {"report_id", posdiag::agent::NewReportId()},
      {"terminal_id", terminal},
      {"kind", "selftest"},
      {"level", "merchant"},
      {"status", "warning"},
      {"started_at", "2026-12-06T08:00:00.000Z"},
      {"duration_ms", 812},
      {"probes", probes},
      {"facts",
       {{"power.battery.capacity_pct", 64},
        {"network.payment_host.tcp", true},
        {"modem.signal.rssi_dbm", -87},
        {"printer.paper", "near_end"},
        {"storage.data.free_pct", 41}}},
      {"findings",
       {{{"rule", "printer.paper_near_end"},
         {"code", "P2"},
         {"severity", "warning"},
         {"component", "printer"},
         {"title", {{"zh-CN", "打印纸快用完了"}, {"en", "Printer paper is running out"}}},
         {"remedy", {{"zh-CN", {"准备新的打印纸"}}, {"en", {"Have a new roll ready"}}}},
         {"evidence", {{"printer.paper", "near_end"}}},
         {"suppressed", false}}}},
      {"exit_code", 1},
      {"published_ms", published_ms}}
      .dump();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fleet_bench: simulated terminals publishing reports"};
  std::string url;
  int terminals = 1000;
  int interval_s = 10;
  int duration_s = 60;
  std::string prefix = "posdiag/v1";
  app.add_option("--broker", url, "mqtt://127.0.0.1:PORT")->required();
  app.add_option("--terminals", terminals)->check(CLI::Range(1, 10000));
  app.add_option("--interval", interval_s)->check(CLI::Range(1, 3600));
  app.add_option("--duration", duration_s)->check(CLI::Range(1, 86400));
  CLI11_PARSE(app, argc, argv);
  auto broker = mqtt::ParseBrokerUrl(url);
  if (!broker) {
    std::cerr << broker.error().detail << "\n";
    return 3;
  }

  std::vector<Terminal> fleet(static_cast<std::size_t>(terminals));
  std::mt19937 random(42);
  std::uniform_int_distribution<int> phase(0, interval_s * 1000 - 1);
  long published = 0, acked = 0, refused = 0, errors = 0;
  const auto start = Clock::now();
  for (int i = 0; i < terminals; ++i) {
    Terminal& t = fleet[static_cast<std::size_t>(i)];
    char name[32];
    std::snprintf(name, sizeof name, "bench-%05d", i);
    t.id = name;
    mqtt::Client::Callbacks cb;
    cb.connected = [&t] { t.up = true; };
    cb.disconnected = [&t](const std::string& why) {
      t.up = false;
      t.down_why = why;
    };
    cb.acknowledged = [&t, &acked, &refused](int, const std::optional<std::string>& why) {
      --t.in_flight;
      why ? ++refused : ++acked;
    };
    mqtt::Options o;
    o.broker = *broker;
    o.client_id = t.id;
    o.keepalive = std::chrono::seconds(60);
    auto c = mqtt::Client::Create(o, cb);
    if (!c || !(*c)->Connect()) {
      std::cerr << t.id << ": cannot connect\n";
      return 3;
    }
    t.client = std::move(*c);
    t.next = start + milliseconds(phase(random));
  }
  const auto stop_publishing = start + std::chrono::seconds(duration_s);
  const auto give_up = stop_publishing + std::chrono::seconds(30);
  std::vector<pollfd> fds(fleet.size());
  bool connected_all_said = false;
  while (true) {
    const auto now = Clock::now();
    long in_flight = 0;
    std::size_t up = 0;
    for (auto& t : fleet) {
      if (t.up) ++up;
      in_flight += t.in_flight;
      if (t.up && now < stop_publishing && now >= t.next) {
        const auto wall = std::chrono::duration_cast<milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
        if (t.client->Publish(prefix + "/" + t.id + "/report", Report(t.id, wall))) {
          ++published;
          ++t.in_flight;
        } else {
          ++errors;
        }
        t.next += std::chrono::seconds(interval_s);
      }
    }
    if (!connected_all_said && up == fleet.size()) {
      connected_all_said = true;
      std::cerr << "fleet_bench: " << up << " terminals connected in "
                << std::chrono::duration_cast<milliseconds>(now - start).count() << " ms\n";
    }
    if ((now >= stop_publishing && in_flight == 0) || now >= give_up) break;
    for (std::size_t i = 0; i < fleet.size(); ++i) {
      const int fd = fleet[i].client->fd();
      fds[i] = {
          fd,
          static_cast<short>(fd < 0 ? 0 : POLLIN | (fleet[i].client->WantWrite() ? POLLOUT : 0)),
          0};
    }
    ::poll(fds.data(), fds.size(), 20);
    for (std::size_t i = 0; i < fleet.size(); ++i) {
      auto& c = *fleet[i].client;
      if (fds[i].fd < 0) continue;
      if (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) c.OnReadable();
      if (c.fd() >= 0 && (fds[i].revents & POLLOUT)) c.OnWritable();
      if (auto next = c.NextService(); next && Clock::now() >= *next) c.Service();
    }
  }
  long down = 0;
  for (auto& t : fleet) {
    if (!t.up) ++down;
    t.client->Disconnect();
  }
  std::cout << "published " << published << " acknowledged " << acked << " refused " << refused
            << " publish_errors " << errors << " disconnected_terminals " << down << "\n";
  return published == acked ? 0 : 1;
}
