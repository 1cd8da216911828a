# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# SIM ready, but the modem keeps searching for a network (+CREG/+CEREG stat 2) and can measure no
# signal: a terminal in a basement or out of coverage. Searching is the finding; the unknown signal
# is its symptom.
SIM_DESCRIPTION="modem searching for a network, not registered"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="modem.searching"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_SUPPRESSED="modem.signal_unknown"
SIM_MODEM_MODE=not-registered
