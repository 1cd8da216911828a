# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment host requires a terminal certificate and none is configured. With TLS 1.3 the
# handshake completes and the host then closes with the alert certificate_required: its own
# finding (configure the terminal certificate), not a generic handshake failure.
SIM_DESCRIPTION="host requires a terminal certificate, none configured"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.tls_client_cert_required"
SIM_EXPECT_CODES="E1"
SIM_NET_CLIENT_AUTH=1
