# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The terminal reaches the host through a gateway name (gw.bank.test) while the certificate is
# for the shared name pay.bank.test, which [network] server_name gives: all clear.
SIM_DESCRIPTION="gateway name gw.bank.test, server_name = pay.bank.test (the certificate's): all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_NET_PAYMENT_HOST="gw.bank.test:8443"
SIM_NET_SERVER_NAME=pay.bank.test
