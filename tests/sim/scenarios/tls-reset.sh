# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment port takes the TCP connection, reads the ClientHello and resets the connection (a
# firewall that lets TCP through and kills TLS, or a host refusing the terminal's address): the
# handshake failed, and the report says the connection was reset, before the host answered. Not
# all clear, and not a timeout: the handshake's own limit is 5 s, and the run ends well before.
SIM_DESCRIPTION="the payment host resets the connection in the middle of the TLS handshake"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.tls_handshake_failed"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_FACTS="network.tls.outcome=reset,network.tls.bytes_received=0"
SIM_EXPECT_MAX_DURATION_MS=2000
SIM_NET_TLS_SERVER=reset
SIM_NET_STEP_TIMEOUT_MS=5000
