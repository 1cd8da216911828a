# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The USB modem resets while AT+CSQ is outstanding: its port hangs up and comes back 300 ms later
# as a new device. What was measured before stands; the rest is not measured, and says why; the
# run ends within the modem probe's deadline (2 s) and 50 ms.
SIM_DESCRIPTION="USB modem resets in the middle of AT+CSQ: its port hangs up, then comes back"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="modem.connection_lost"
SIM_EXPECT_CODES="T1"
SIM_MODEM_MODE=reset-usb
SIM_MODEM_TIMEOUT_MS=2000
SIM_EXPECT_MAX_DURATION_MS=2050
