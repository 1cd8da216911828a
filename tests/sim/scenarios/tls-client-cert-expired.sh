# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The terminal's certificate expired three days ago; the host refuses it. The expiry is the root
# cause (renew the certificate) and hides the refusal.
SIM_DESCRIPTION="the terminal's own TLS certificate expired three days ago"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.tls_client_cert_expired"
SIM_EXPECT_CODES="E1"
SIM_EXPECT_SUPPRESSED="network.tls_client_cert_rejected"
SIM_NET_CLIENT_AUTH=1
SIM_NET_CLIENT_CERT=expired
