#include "drivers/network/hosts.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace posdiag::drivers::network {
namespace {

TEST(ParseNsswitchHosts, OrderAsWritten) {
  auto order = ParseNsswitchHosts("passwd: files\n# hosts: dns\nhosts:  files   dns\n");
  ASSERT_EQ(order.steps.size(), 2u);
  EXPECT_EQ(order.steps[0].source, HostsSource::kFiles);
  EXPECT_EQ(order.steps[1].source, HostsSource::kDns);
  EXPECT_EQ(order.origin, "nsswitch.conf");
  EXPECT_EQ(HostsOrderText(order), "files dns");

  order = ParseNsswitchHosts("hosts: dns files\n");
  EXPECT_EQ(HostsOrderText(order), "dns files");
  EXPECT_TRUE(order.steps[0].StopsOn(NssStatus::kSuccess));
  EXPECT_FALSE(order.steps[0].StopsOn(NssStatus::kNotFound));
}

TEST(ParseNsswitchHosts, SourcesItDoesNotFollowAreListed) {
  const auto order = ParseNsswitchHosts(
      "hosts: files mdns4_minimal [NOTFOUND=return] resolve [!UNAVAIL=return] dns myhostname\n");
  ASSERT_EQ(order.steps.size(), 2u);
  // The criteria after an ignored source apply to it, not to the files step before it.
  EXPECT_EQ(HostsOrderText(order), "files dns");
  EXPECT_EQ(order.ignored, (std::vector<std::string>{"mdns4_minimal", "resolve", "myhostname"}));
}

TEST(ParseNsswitchHosts, Criteria) {
  auto order = ParseNsswitchHosts("HOSTS: files [NOTFOUND=return] dns\n");
  ASSERT_EQ(order.steps.size(), 2u);
  EXPECT_TRUE(order.steps[0].StopsOn(NssStatus::kNotFound));
  EXPECT_FALSE(order.steps[0].StopsOn(NssStatus::kUnavail));
  EXPECT_EQ(HostsOrderText(order), "files [NOTFOUND=return] dns");

  order = ParseNsswitchHosts("hosts: dns [!UNAVAIL=return] files");
  EXPECT_TRUE(order.steps[0].StopsOn(NssStatus::kSuccess));
  EXPECT_TRUE(order.steps[0].StopsOn(NssStatus::kNotFound));
  EXPECT_TRUE(order.steps[0].StopsOn(NssStatus::kTryAgain));
  EXPECT_FALSE(order.steps[0].StopsOn(NssStatus::kUnavail));

  order = ParseNsswitchHosts("hosts: dns[success=continue notfound=merge bogus=return x] files");
  EXPECT_FALSE(order.steps[0].StopsOn(NssStatus::kSuccess));
  EXPECT_FALSE(order.steps[0].StopsOn(NssStatus::kNotFound));
}

TEST(ParseNsswitchHosts, FirstHostsLineCounts) {
  EXPECT_EQ(HostsOrderText(ParseNsswitchHosts("hosts: dns\nhosts: files\n")), "dns");
}

TEST(ParseNsswitchHosts, MissingLineIsGlibcsDefault) {
  const auto order = ParseNsswitchHosts("passwd: files\n");
  EXPECT_EQ(HostsOrderText(order), "dns [NOTFOUND=return TRYAGAIN=return] files");
  EXPECT_EQ(order.origin, "default (nsswitch.conf has no hosts line)");
}

TEST(ParseNsswitchHosts, EmptyLineHasNoSteps) {
  EXPECT_TRUE(ParseNsswitchHosts("hosts:\n").steps.empty());
  EXPECT_TRUE(ParseNsswitchHosts("hosts: ldap [").steps.empty());
}

TEST(DefaultHostsOrder, FilesThenDns) {
  EXPECT_EQ(HostsOrderText(DefaultHostsOrder()), "files dns");
}

TEST(LookupHostsFile, NamesAndAliases) {
  const std::string_view hosts =
      "127.0.0.1 localhost\n"
      "# 10.0.0.1 pay.bank.test\n"
      "10.77.0.9\tPay.Bank.Test pay   # pinned by the image\n"
      "bogus pay.bank.test\n"
      "2001:db8::9 pay.bank.test\n"
      "10.77.0.10 other.bank.test pay.bank.test.\n"
      "10.77.0.11\n";
  const auto found = LookupHostsFile(hosts, "pay.bank.test");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].text, "10.77.0.9");
  EXPECT_EQ(found[1].text, "2001:db8::9");
  EXPECT_EQ(found[1].family, AF_INET6);
  EXPECT_EQ(found[2].text, "10.77.0.10");
  EXPECT_EQ(LookupHostsFile(hosts, "pay").size(), 1u);
  EXPECT_EQ(LookupHostsFile(hosts, "pay.bank.test.").size(), 3u);
  EXPECT_TRUE(LookupHostsFile(hosts, "bank.test").empty());
  EXPECT_TRUE(LookupHostsFile(hosts, "").empty());
  EXPECT_TRUE(LookupHostsFile("", "pay.bank.test").empty());
}

}  // namespace
}  // namespace posdiag::drivers::network
