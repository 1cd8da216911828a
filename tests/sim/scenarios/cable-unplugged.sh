# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The network cable is out: the far end of eth0 is down, so the terminal has no carrier. DNS is
# still asked and fails; the link is the root cause and hides that failure.
SIM_DESCRIPTION="network cable unplugged: eth0 has no carrier"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.link_down"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_SUPPRESSED="network.dns_no_answer"
SIM_NET_CARRIER=0
