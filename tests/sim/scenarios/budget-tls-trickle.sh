# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment port answers the ClientHello with the start of a ServerHello, one byte a second,
# and the whole run has 2 s: the handshake (its own limit 5 s) never completes, is cut by the
# probe's deadline and reported as timed out, with the bytes that came (at 0 s and 1 s), which
# tell a trickle from a host that never answers.
SIM_DESCRIPTION="2 s budget, TLS answer trickled one byte a second: handshake timeout"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.tls_handshake_timeout"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_FACTS="network.tls.outcome=timeout,network.deadline.cut_step=tls,network.tls.bytes_received>=2"
SIM_EXPECT_MAX_DURATION_MS=2050
SIM_NET_TLS_SERVER=trickle
SIM_NET_STEP_TIMEOUT_MS=5000

scenario() {
  config_append "
[run]
budget_ms = 2000"
}
