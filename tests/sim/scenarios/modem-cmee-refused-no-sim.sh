# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# No SIM card, in a modem that refuses AT+CMEE=1 and so answers AT+CPIN? with a bare ERROR that
# names no cause. The SIM's state is unknown: the finding says so and sends the engineer to the
# SIM and to the modem's error codes; the "not registered, call the operator" symptom is hidden
# behind it.
SIM_DESCRIPTION="no SIM card, modem that refuses error codes (bare ERROR to AT+CPIN?)"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="modem.sim_unknown"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_SUPPRESSED="modem.not_registered,modem.signal_unknown"
SIM_MODEM_MODE=cmee-refused-no-sim
