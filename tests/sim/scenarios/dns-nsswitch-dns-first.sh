# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# /etc/nsswitch.conf says "hosts: dns files": DNS answers first (10.77.0.1), so a stale pin in
# /etc/hosts (10.77.0.99, where nothing answers) is never used, as the C library would not.
SIM_DESCRIPTION="hosts: dns files, a stale /etc/hosts pin: DNS answers first, all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_NET_NSSWITCH="dns files"
SIM_NET_HOSTS_LINE="10.77.0.99 pay.bank.test"
