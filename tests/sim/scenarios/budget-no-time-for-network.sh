# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The network probe is given 30 ms ([network] timeout_ms): after reading the interfaces its
# deadline leaves no time to look the payment host up, connect or shake hands. Nothing was found
# wrong, but the road to the bank was not checked: the run is incomplete (status unknown, exit 1),
# never all clear, and no step is blamed for what it was not given the time to do.
SIM_DESCRIPTION="network probe given 30 ms: its steps are not tried; incomplete, not clear"
SIM_EXPECT_EXIT=1
SIM_EXPECT_RULES=""
SIM_EXPECT_INCOMPLETE=network
SIM_NET_PROBE_TIMEOUT_MS=30
