# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment host presents a certificate for another name (other.bank.test).
SIM_DESCRIPTION="the payment host's certificate is for another name"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.tls_wrong_host"
SIM_EXPECT_CODES="T1"
SIM_NET_CERT=wrong-host
