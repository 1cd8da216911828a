# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The same terminal as dns-down-hosts-pinned without the pin: /etc/hosts is read and does not name
# the host, then DNS is asked and nothing answers.
SIM_DESCRIPTION="DNS down, /etc/hosts without the payment host: no answer from DNS"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.dns_no_answer"
SIM_EXPECT_CODES="T1"
SIM_NET_DNS=0
SIM_NET_HOSTS_LINE="10.77.0.99 old-gateway.bank.test"
