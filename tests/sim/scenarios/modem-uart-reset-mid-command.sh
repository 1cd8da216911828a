# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The modem on a UART resets while AT+CSQ is outstanding: noise, then RDY instead of the answer.
# What was measured before stands; the rest is not measured, and says why; the run ends within
# the modem probe's deadline (2 s) and 50 ms.
SIM_DESCRIPTION="UART modem resets in the middle of AT+CSQ: noise, then RDY instead of the answer"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="modem.restarted"
SIM_EXPECT_CODES="T1"
SIM_MODEM_MODE=reset-uart
SIM_MODEM_TIMEOUT_MS=2000
SIM_EXPECT_MAX_DURATION_MS=2050
