# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment port answers the ClientHello with bytes that are not TLS and keeps the connection
# open: a TLS protocol failure decided by the answer itself (not_tls, the bytes shown in
# network.tls.error), not a crash and not a wait for the handshake's own limit of 5 s.
SIM_DESCRIPTION="the payment host answers the TLS ClientHello with garbage"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.tls_handshake_failed"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_FACTS="network.tls.outcome=not_tls,network.tls.bytes_received>=5"
SIM_EXPECT_MAX_DURATION_MS=2000
SIM_NET_TLS_SERVER=garbage
SIM_NET_STEP_TIMEOUT_MS=5000
