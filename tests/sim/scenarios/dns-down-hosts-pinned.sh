# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The image pins the payment host in /etc/hosts and no DNS server runs (a private APN): without
# /etc/nsswitch.conf the hosts file is read first, so the name resolves and all is clear.
SIM_DESCRIPTION="DNS down, pay.bank.test pinned in /etc/hosts: all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_NET_DNS=0
SIM_NET_HOSTS_LINE="10.77.0.1 pay.bank.test"
