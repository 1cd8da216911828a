# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment host's certificate expired two days ago; the clock is right, so the certificate is
# the fault (E1: have it renewed).
SIM_DESCRIPTION="the payment host's TLS certificate expired two days ago"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.tls_expired"
SIM_EXPECT_CODES="E1"
SIM_NET_CERT=expired
