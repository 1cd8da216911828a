# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The RTC reset to 2000-01-01 on a terminal whose network is fine: the payment host's valid
# certificate looks not yet valid. The clock is the root cause; the TLS finding is its symptom.
SIM_DESCRIPTION="clock reset to 2000-01-01: valid TLS certificate looks not yet valid"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="system.clock_before_build"
SIM_EXPECT_CODES="E1"
SIM_EXPECT_SUPPRESSED="network.tls_not_yet_valid"
SIM_FAKETIME="2000-01-01 00:00:00 UTC"
