# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The DNS server answers, but with SERVFAIL (its upstream is broken): reported as such, not as
# refused or unanswered.
SIM_DESCRIPTION="the DNS server answers SERVFAIL"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.dns_servfail"
SIM_EXPECT_CODES="T1"
SIM_NET_DNS_RCODE=servfail
