# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The acquirer hands out an address; the certificate names the host (DNS SAN only) and
# [network] server_name says which name to expect: no "certificate is for another name".
SIM_DESCRIPTION="payment_host by address, server_name = the certificate's name: all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_NET_PAYMENT_HOST="10.77.0.1:8443"
SIM_NET_SERVER_NAME=pay.bank.test
