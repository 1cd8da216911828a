// The MQTT client against a real Mosquitto on loopback (tests/fleet/broker.sh): mutual TLS, the
// ACL's refusals as the client sees them, certificates that must not get in, and URL parsing.
#include "drivers/mqtt/mqtt_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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

// The system resolver has no deadline (a DNS server that does not answer holds it for ten seconds
// and more): the broker's name is looked up on a thread of its own, and the owner's loop is woken
// to look at it, never held.
TEST(MqttLookupTest, ABrokerNameIsLookedUpOffTheCallersThread) {
  struct Shared {  // the lookup's thread may outlive the test's locals
    std::mutex mutex;
    std::condition_variable changed;
    bool release = false;
    bool done = false;
    std::optional<std::thread::id> thread;
    std::string host;
  };
  auto shared = std::make_shared<Shared>();
  Options o;
  o.broker = {true, "broker.example", 8883};
  o.lookup = [shared](const std::string& host) -> Result<void> {
    std::unique_lock lock(shared->mutex);
    shared->thread = std::this_thread::get_id();
    shared->host = host;
    shared->changed.notify_all();
    shared->changed.wait_for(lock, std::chrono::seconds(30), [&] { return shared->release; });
    shared->done = true;
    shared->changed.notify_all();
    return Error{ErrorKind::kNotFound, "Name or service not known"};
  };
  std::string down;
  Client::Callbacks callbacks;
  callbacks.disconnected = [&down](const std::string& why) { down = why; };
  auto client = Client::Create(o, std::move(callbacks));
  ASSERT_TRUE(client) << client.error().detail;
  ASSERT_TRUE((*client)->Connect());
  {
    // Connect() came back while the lookup still waits to be released.
    std::unique_lock lock(shared->mutex);
    shared->changed.wait(lock, [&] { return shared->thread.has_value(); });
    EXPECT_NE(*shared->thread, std::this_thread::get_id());
    EXPECT_FALSE(shared->done);
    EXPECT_EQ(shared->host, "broker.example");
  }
  EXPECT_EQ((*client)->fd(), -1);
  // The owner's loop looks again soon: at a time that comes, not one that moves with the clock.
  const auto next = (*client)->NextService();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ((*client)->NextService(), next);
  EXPECT_TRUE(down.empty());
  {
    std::lock_guard lock(shared->mutex);
    shared->release = true;
    shared->changed.notify_all();
  }
  auto waited = (*client)->WaitFor([&] { return (*client)->connected(); },
                                   io::Deadline::In(milliseconds(10000)));
  ASSERT_FALSE(waited);
  EXPECT_NE(waited.error().kind, ErrorKind::kTimeout) << waited.error().detail;
  EXPECT_NE(down.find("connect mqtts://broker.example:8883: the name does not resolve"),
            std::string::npos)
      << down;
}

// A client dropped while its lookup runs leaves the lookup to end by itself, and an address is
// never looked up.
TEST(MqttLookupTest, AnAbandonedLookupEndsByItselfAndAnAddressIsNotLookedUp) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    bool release = false;
    int calls = 0;
    bool done = false;
  };
  auto shared = std::make_shared<Shared>();
  Options o;
  o.broker = {true, "broker.example", 8883};
  o.lookup = [shared](const std::string&) -> Result<void> {
    std::unique_lock lock(shared->mutex);
    ++shared->calls;
    shared->changed.notify_all();
    shared->changed.wait_for(lock, std::chrono::seconds(30), [&] { return shared->release; });
    shared->done = true;
    shared->changed.notify_all();
    return Ok();
  };
  {
    auto client = Client::Create(o, {});
    ASSERT_TRUE(client);
    ASSERT_TRUE((*client)->Connect());
    std::unique_lock lock(shared->mutex);
    shared->changed.wait(lock, [&] { return shared->calls == 1; });
  }  // destroyed while the lookup waits
  {
    std::unique_lock lock(shared->mutex);
    shared->release = true;
    shared->changed.notify_all();
    shared->changed.wait(lock, [&] { return shared->done; });
  }
  o.broker.host = "127.0.0.1";
  o.broker.port = 1;  // nothing listens there
  auto client = Client::Create(o, {});
  ASSERT_TRUE(client);
  (void)(*client)->Connect();
  std::lock_guard lock(shared->mutex);
  EXPECT_EQ(shared->calls, 1);
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

// A listener that takes the connection, reads the ClientHello and resets it (SO_LINGER 0), as a
// broker's TLS front or a middlebox that refuses the client does. That is not a refused connect,
// and the error says which it was.
TEST_F(MqttClientTest, AResetInTheTlsHandshakeIsNotARefusal) {
  {
    // The client tells the two apart by TCP_INFO, which qemu-user does not pass through.
    const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(probe, 0);
    tcp_info info{};
    socklen_t info_len = sizeof info;
    const bool available = ::getsockopt(probe, IPPROTO_TCP, TCP_INFO, &info, &info_len) == 0 &&
                           info_len >= offsetof(tcp_info, tcpi_rtt) + sizeof info.tcpi_rtt;
    ::close(probe);
    if (!available) GTEST_SKIP() << "no TCP_INFO here (an emulator)";
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  std::thread resetter([listener] {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return;
    const int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return;
    char hello[512];
    pollfd q{conn, POLLIN, 0};
    if (::poll(&q, 1, 5000) == 1) (void)::read(conn, hello, sizeof hello);
    linger abort_close{1, 0};
    ::setsockopt(conn, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close);
    ::close(conn);
  });
  Options o = For("term-0001", "term-0001");
  o.broker.host = "127.0.0.1";
  o.broker.port = ntohs(addr.sin_port);
  Seen seen;
  auto client = Client::Create(o, Record(seen));
  ASSERT_TRUE(client);
  auto started = (*client)->Connect();
  std::string error = started ? "" : started.error().detail;
  if (started) {
    auto waited = (*client)->WaitFor([&] { return seen.up; }, io::Deadline::In(milliseconds(5000)));
    ASSERT_FALSE(waited);
    EXPECT_NE(waited.error().kind, ErrorKind::kTimeout);
    error = waited.error().detail;
  }
  resetter.join();
  ::close(listener);
  EXPECT_EQ(error.find("refused"), std::string::npos) << error;
  EXPECT_NE(error.find("reset"), std::string::npos) << error;
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
