# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The link, address and route are fine but the DNS server does not run: the name of the payment
# host cannot be looked up, and the connect is not tried.
SIM_DESCRIPTION="no DNS server answers: pay.bank.test cannot be resolved"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.dns_no_answer"
SIM_EXPECT_CODES="T1"
SIM_NET_DNS=0
