#include "drivers/network/endpoint.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace posdiag::drivers::network {
namespace {

TEST(ParseHostPort, NamesAndLiterals) {
  auto a = ParseHostPort("pay.bank.test:8443");
  ASSERT_TRUE(a.ok()) << a.error().detail;
  EXPECT_EQ(a->host, "pay.bank.test");
  EXPECT_EQ(a->port, 8443);
  EXPECT_FALSE(a->literal);

  auto b = ParseHostPort("10.77.0.1:443");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(b->literal);
  EXPECT_EQ(b->literal->family, AF_INET);
  EXPECT_EQ(b->literal->text, "10.77.0.1");

  auto c = ParseHostPort("[2001:db8::1]:65535");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "2001:db8::1");
  EXPECT_EQ(c->port, 65535);
  ASSERT_TRUE(c->literal);
  EXPECT_EQ(c->literal->family, AF_INET6);
}

TEST(ParseHostPort, RejectsWhatCannotBeAHost) {
  for (const char* bad :
       {"", "pay.bank.test", "pay.bank.test:", "pay.bank.test:0", "pay.bank.test:65536",
        "pay.bank.test:44x", "2001:db8::1:443", "[2001:db8::1]", "[10.0.0.1]:443", "[::1:443",
        "bad host:443", "-lead.example:443", "a..b:443", "ho$t:1", ":443"}) {
    auto r = ParseHostPort(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::kInvalid) << bad;
      EXPECT_NE(r.error().detail.find("payment_host"), std::string::npos) << r.error().detail;
    }
  }
}

TEST(ParseIpLiteral, CanonicalText) {
  auto a = ParseIpLiteral("2001:0db8:0:0::1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->text, "2001:db8::1");
  EXPECT_FALSE(ParseIpLiteral("pay.bank.test"));
  EXPECT_FALSE(ParseIpLiteral("10.0.0.256"));
}

}  // namespace
}  // namespace posdiag::drivers::network
