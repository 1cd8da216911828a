# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The bank answers, but nothing listens on the payment port: the connect is refused at once.
SIM_DESCRIPTION="nothing listens on the payment host's port: connection refused"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.host_refused"
SIM_EXPECT_CODES="T1"
SIM_NET_TLS_SERVER=0
