# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment port takes the TCP connection and never answers the TLS handshake, and the whole
# run has 2 s: the handshake (its own limit 5 s) is cut by the probe's deadline and reported as
# timed out, which is its own finding, not a generic handshake failure.
SIM_DESCRIPTION="2 s budget, TLS handshake never answered: handshake timeout"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.tls_handshake_timeout"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_MAX_DURATION_MS=2050
SIM_EXPECT_FACTS="network.tls.outcome=timeout,network.deadline.cut_step=tls,network.tls.bytes_received=0"
SIM_NET_TLS_SERVER=hang
SIM_NET_STEP_TIMEOUT_MS=5000

scenario() {
  config_append "
[run]
budget_ms = 2000"
}
