// A real Mosquitto on loopback for a test (tests/fleet/broker.sh): started in a fresh directory,
// stopped when the object goes. The certificates and the ACL are the script's.
// Example:
//   TestBroker broker;
//   ASSERT_TRUE(broker.Start()) << broker.log();
//   options.broker = {true, "localhost", broker.port()};
//   options.tls = broker.Files("term-0001");
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace posdiag::testing {

class TestBroker {
 public:
  // `dir`: where the certificates and the broker's files go; a fresh temporary one by default.
  explicit TestBroker(std::string dir = "") : dir_(std::move(dir)) {
    if (dir_.empty()) {
      std::string templ =
          std::filesystem::temp_directory_path().string() + "/posdiag-broker-XXXXXX";
      if (::mkdtemp(templ.data()) != nullptr) dir_ = templ;
      owned_ = true;
    }
  }
  ~TestBroker() {
    Stop();
    if (owned_ && !dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  TestBroker(const TestBroker&) = delete;
  TestBroker& operator=(const TestBroker&) = delete;

  // Starts it (again, on a new port, after Stop()). `plain`: also an unencrypted listener.
  bool Start(bool plain = false) {
    std::string command = std::string("'") + POSDIAG_BROKER_SCRIPT + "' start '" + dir_ + "'" +
                          (plain ? " plain" : "") + " >/dev/null";
#ifdef POSDIAG_CERT_CACHE_DIR
    command = std::string("POSDIAG_CERT_CACHE='") + POSDIAG_CERT_CACHE_DIR + "' " + command;
#endif
    if (std::system(command.c_str()) != 0) return false;
    port_ = std::stoi(Read("port"));
    if (plain) plain_port_ = std::stoi(Read("plain_port"));
    running_ = true;
    return true;
  }
  // Starts it on the port it had before (a broker that comes back).
  bool Restart() {
    Stop();
    const std::string conf = Read("mosquitto.conf");
    const std::string command = "mosquitto -c '" + dir_ + "/mosquitto.conf' >>'" + dir_ +
                                "/broker.log' 2>&1 & echo $! >'" + dir_ + "/pid'";
    if (conf.empty() || std::system(command.c_str()) != 0) return false;
    for (int i = 0; i < 100; ++i) {
      const std::string probe =
          "python3 -c \"import socket; socket.create_connection(('127.0.0.1'," +
          std::to_string(port_) + "),0.2)\" 2>/dev/null";
      if (std::system(probe.c_str()) == 0) {
        running_ = true;
        return true;
      }
      ::usleep(50'000);
    }
    return false;
  }
  void Stop() {
    if (!running_) return;
    const std::string command =
        std::string("'") + POSDIAG_BROKER_SCRIPT + "' stop '" + dir_ + "' >/dev/null 2>&1";
    (void)std::system(command.c_str());
    running_ = false;
  }

  int port() const { return port_; }
  int plain_port() const { return plain_port_; }
  const std::string& dir() const { return dir_; }
  std::string File(const std::string& name) const { return dir_ + "/" + name; }
  std::string log() const { return Read("broker.log"); }

 private:
  std::string Read(const std::string& name) const {
    std::ifstream in(File(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string dir_;
  bool owned_ = false;
  bool running_ = false;
  int port_ = 0;
  int plain_port_ = 0;
};

}  // namespace posdiag::testing
