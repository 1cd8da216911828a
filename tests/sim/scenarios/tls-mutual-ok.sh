# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment host requires a terminal certificate (mutual TLS) and the terminal has a valid one
# from the acquirer's CA: all clear.
SIM_DESCRIPTION="mutual TLS with a valid terminal certificate: all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_NET_CLIENT_AUTH=1
SIM_NET_CLIENT_CERT=valid
