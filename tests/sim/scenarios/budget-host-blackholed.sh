# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A firewall drops the bank's replies and the whole run has 2 s ([run] budget_ms): the connect,
# whose own limit (5 s) is longer than the run, is cut by the network probe's deadline and reported
# as timed out. The probe answers in time (status ok, not abandoned by the runner), and the run
# ends within the budget.
SIM_DESCRIPTION="2 s budget, bank's replies dropped: the connect is cut and reported timed out"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.host_timeout"
SIM_EXPECT_CODES="T1"
SIM_NET_BLACKHOLE=1
SIM_NET_DNS=0
SIM_NET_PAYMENT_HOST="10.77.0.1:8443"
SIM_NET_STEP_TIMEOUT_MS=5000
SIM_EXPECT_MAX_DURATION_MS=2050

scenario() {
  config_append "
[run]
budget_ms = 2000"
}
