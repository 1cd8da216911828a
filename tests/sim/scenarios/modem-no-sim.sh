# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The SIM card fell out (or was never put in): the modem answers +CME ERROR: 10 to AT+CPIN?, is
# not registered and measures no signal. The missing SIM is the finding; the registration and
# signal symptoms it causes are hidden behind it.
SIM_DESCRIPTION="modem answers, but no SIM card is inserted"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="modem.no_sim"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_SUPPRESSED="modem.not_registered,modem.signal_unknown"
SIM_MODEM_MODE=no-sim
