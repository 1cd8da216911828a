# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The cable is in and the link is up, but no DHCP server answered: no address and no route.
SIM_DESCRIPTION="eth0 up with carrier but no address and no route (no DHCP)"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.no_address"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_SUPPRESSED="network.dns_no_answer"
SIM_NET_ADDRESS=0
