// The MQTT client against a real Mosquitto on loopback (tests/fleet/broker.sh): mutual TLS, the
// ACL's refusals as the client sees them, certificates that must not get in, and URL parsing.
#include "drivers/mqtt/mqtt_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <map>
#include <vector>

#include "drivers/io/module.h"
#include "tests/fleet/test_broker.h"

namespace posdiag::drivers::mqtt {
namespace {

using std::chrono::milliseconds;

TEST(BrokerUrlTest, SchemesPortsAndLoopback) {
  auto a = ParseBrokerUrl("mqtts://broker.example.com:8884");
  ASSERT_TRUE(a) << a.error().detail;
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "broker.example.com");
  EXPECT_EQ(a->port, 8884);
  auto b = ParseBrokerUrl("mqtts://broker.example.com");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, 8883);
  auto c = ParseBrokerUrl("mqtt://127.0.0.1:1884");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->tls);
  auto d = ParseBrokerUrl("mqtts://[::1]:9000");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(BrokerUrlText(*d), "mqtts://[::1]:9000");
  EXPECT_TRUE(ParseBrokerUrl("mqtt://localhost"));
  EXPECT_TRUE(ParseBrokerUrl("mqtt://[::1]"));
}

TEST(BrokerUrlTest, RefusesWhatCannotBeRight) {
  for (const char* bad : {"", "broker:8883", "http://broker", "mqtts://", "mqtts://:8883",
                          "mqtts://host:0", "mqtts://host:65536", "mqtts://host:x",
                          "mqtts://host:", "mqtts://[::1", "mqtts://user@host", "mqtts://host/path",
                          "mqtt://10.0.0.5:1883", "mqtt://broker.example"}) {
    EXPECT_FALSE(ParseBrokerUrl(bad)) << bad;
  }
  auto clear = ParseBrokerUrl("mqtt://10.0.0.5:1883");
  ASSERT_FALSE(clear);
  EXPECT_NE(clear.error().detail.find("only on loopback"), std::string::npos);
}

// posdiag-mqtt.so as it is built and shipped, loaded the way posdiag loads it: its client checks
// the options (no broker needed for that).
TEST(MqttModuleTest, TheBuiltModuleMakesClients) {
  auto entry = io::LoadModuleEntryFrom(POSDIAG_MODULE_DIR, kModuleFile, kModuleEntry);
  ASSERT_TRUE(entry) << entry.error().detail;
  const auto* module = reinterpret_cast<const ClientModule* (*)()>(*entry)();
  ASSERT_NE(module, nullptr);
  Options options;
  options.broker = {true, "localhost", 8883};
  options.tls.cert_file = "/nonexistent/client.crt";
  auto refused = module->Create(options, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("needs its key"), std::string::npos)
      << refused.error().detail;
  options.broker = {false, "127.0.0.1", 1883};
  options.tls = {};
  auto client = module->Create(options, {});
  ASSERT_TRUE(client) << client.error().detail;
  EXPECT_FALSE((*client)->connected());
  EXPECT_EQ((*client)->fd(), -1);
}

struct Seen {
  bool up = false;
  std::string down;
  std::map<int, std::optional<std::string>> acks;
  std::vector<Message> messages;
};

Client::Callbacks Record(Seen& seen) {
  Client::Callbacks c;
  c.connected = [&seen] { seen.up = true; };
  c.disconnected = [&seen](const std::string& why) { seen.down = why; };
  c.acknowledged = [&seen](int mid, const std::optional<std::string>& refused) {
    seen.acks[mid] = refused;
  };
  c.message = [&seen](const Message& m) { seen.messages.push_back(m); };
  return c;
}

class MqttClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(broker_.Start()) << broker_.log(); }

  Options For(const std::string& cert, const std::string& id) {
    Options o;
    o.broker = {true, "localhost", broker_.port()};
    o.tls = {broker_.File("ca.crt"), broker_.File(cert + ".crt"), broker_.File(cert + ".key")};
    o.client_id = id;
    o.keepalive = std::chrono::seconds(5);
    return o;
  }

  std::unique_ptr<Client> Connected(const Options& o, Seen& seen) {
    auto client = Client::Create(o, Record(seen));
    EXPECT_TRUE(client) << client.error().detail;
    if (!client) return nullptr;
    EXPECT_TRUE((*client)->Connect());
    auto waited = (*client)->WaitFor([&] { return seen.up; }, io::Deadline::In(milliseconds(5000)));
    EXPECT_TRUE(waited) << waited.error().detail << "\n" << broker_.log();
    return std::move(*client);
  }

  posdiag::testing::TestBroker broker_;
};

TEST_F(MqttClientTest, ATerminalPublishesUnderItsOwnIdAndTheDeskReceives) {
  Seen desk_seen;
  auto desk = Connected(For("desk-1", "desk-1"), desk_seen);
  ASSERT_TRUE(desk);
  ASSERT_TRUE(desk->Subscribe("posdiag/v1/+/report"));
  ASSERT_TRUE(
      desk->WaitFor([] { return false; }, io::Deadline::In(milliseconds(200))).error().kind ==
      ErrorKind::kTimeout);

  Seen seen;
  auto term = Connected(For("term-0001", "term-0001"), seen);
  ASSERT_TRUE(term);
  auto mid = term->Publish("posdiag/v1/term-0001/report", "{\"report_id\":\"X\"}");
  ASSERT_TRUE(mid) << mid.error().detail;
  ASSERT_TRUE(term->WaitFor([&] { return seen.acks.count(*mid) > 0; },
                            io::Deadline::In(milliseconds(5000))));
  EXPECT_FALSE(seen.acks[*mid].has_value());
  ASSERT_TRUE(desk->WaitFor([&] { return !desk_seen.messages.empty(); },
                            io::Deadline::In(milliseconds(5000))));
  EXPECT_EQ(desk_seen.messages[0].topic, "posdiag/v1/term-0001/report");
  EXPECT_EQ(desk_seen.messages[0].payload, "{\"report_id\":\"X\"}");
}

// Terminals that reach the broker by address rather than by a (hosts-pinned) name: the broker's
// certificate is checked against its IP address SAN.
TEST_F(MqttClientTest, ABrokerReachedByAddressIsCheckedByItsAddress) {
  Seen seen;
  Options o = For("term-0001", "term-0001");
  o.broker.host = "127.0.0.1";
  auto term = Connected(o, seen);
  ASSERT_TRUE(term);
  auto mid = term->Publish("posdiag/v1/term-0001/report", "{}");
  ASSERT_TRUE(mid);
  ASSERT_TRUE(term->WaitFor([&] { return seen.acks.count(*mid) > 0; },
                            io::Deadline::In(milliseconds(5000))));
  EXPECT_FALSE(seen.acks[*mid].has_value());
}

TEST_F(MqttClientTest, AnotherTerminalsTopicIsRefusedNotSilentlyDropped) {
  Seen seen;
  auto term = Connected(For("term-0001", "term-0001"), seen);
  ASSERT_TRUE(term);
  auto mid = term->Publish("posdiag/v1/term-0002/report", "{}");
  ASSERT_TRUE(mid);
  ASSERT_TRUE(term->WaitFor([&] { return seen.acks.count(*mid) > 0; },
                            io::Deadline::In(milliseconds(5000))));
  ASSERT_TRUE(seen.acks[*mid].has_value());
  EXPECT_NE(seen.acks[*mid]->find("authori"), std::string::npos) << *seen.acks[*mid];
}

TEST_F(MqttClientTest, AnExpiredCertificateIsRefusedAndSaysSo) {
  Seen seen;
  auto client = Client::Create(For("expired", "term-0001"), Record(seen));
  ASSERT_TRUE(client) << client.error().detail;
  // On loopback the handshake may end inside Connect(); else the connection drops after it.
  std::string why;
  if (auto started = (*client)->Connect(); !started) {
    why = started.error().detail;
  } else {
    auto waited = (*client)->WaitFor([&] { return seen.up; }, io::Deadline::In(milliseconds(5000)));
    ASSERT_FALSE(waited);
    EXPECT_NE(waited.error().kind, ErrorKind::kTimeout) << waited.error().detail;
    why = seen.down;
  }
  EXPECT_FALSE(seen.up);
  EXPECT_NE(why.find("expired on 2020-01-31"), std::string::npos) << why;
}

TEST_F(MqttClientTest, ACertificateFromAnotherCaIsRefused) {
  Seen seen;
  auto client = Client::Create(For("foreign", "term-0001"), Record(seen));
  ASSERT_TRUE(client) << client.error().detail;
  if ((*client)->Connect()) {
    auto waited = (*client)->WaitFor([&] { return seen.up; }, io::Deadline::In(milliseconds(5000)));
    ASSERT_FALSE(waited);
    EXPECT_NE(waited.error().kind, ErrorKind::kTimeout) << waited.error().detail;
  }
  EXPECT_FALSE(seen.up);
}

TEST_F(MqttClientTest, MissingFilesAreNamedBeforeAnyConnection) {
  Options o = For("term-0001", "term-0001");
  o.tls.key_file = broker_.File("absent.key");
  auto client = Client::Create(o, {});
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().detail.find("absent.key"), std::string::npos) << client.error().detail;
  o.tls.key_file.clear();
  EXPECT_FALSE(Client::Create(o, {}));
}

TEST_F(MqttClientTest, ABrokerThatIsDownIsAnErrorNotAWait) {
  Options o = For("term-0001", "term-0001");
  broker_.Stop();
  Seen seen;
  auto client = Client::Create(o, Record(seen));
  ASSERT_TRUE(client);
  auto started = (*client)->Connect();
  if (started) {
    auto waited = (*client)->WaitFor([&] { return seen.up; }, io::Deadline::In(milliseconds(5000)));
    ASSERT_FALSE(waited);
    EXPECT_NE(waited.error().kind, ErrorKind::kTimeout);
    EXPECT_NE(waited.error().detail.find("refused"), std::string::npos) << waited.error().detail;
  } else {
    EXPECT_NE(started.error().detail.find("refused"), std::string::npos) << started.error().detail;
  }
  EXPECT_FALSE(seen.up);
}

TEST_F(MqttClientTest, TheLastWillIsPublishedWhenTheConnectionDies) {
  Seen desk_seen;
  auto desk = Connected(For("desk-1", "desk-1"), desk_seen);
  ASSERT_TRUE(desk);
  ASSERT_TRUE(desk->Subscribe("posdiag/v1/+/status"));
  Options o = For("term-0001", "term-0001");
  o.will = Will{"posdiag/v1/term-0001/status", "{\"state\":\"offline\"}", true};
  Seen seen;
  auto term = Connected(o, seen);
  ASSERT_TRUE(term);
  // Dies without a DISCONNECT: the socket is shut under the library, as a crash would.
  ::shutdown(term->fd(), SHUT_RDWR);
  ASSERT_TRUE(desk->WaitFor([&] { return !desk_seen.messages.empty(); },
                            io::Deadline::In(milliseconds(8000))))
      << broker_.log();
  EXPECT_EQ(desk_seen.messages[0].payload, "{\"state\":\"offline\"}");
}

}  // namespace
}  // namespace posdiag::drivers::mqtt
