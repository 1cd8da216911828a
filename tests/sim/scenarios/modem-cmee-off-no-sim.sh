# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# No SIM card, in a modem that starts with AT+CMEE=0 as many do: asked AT+CPIN? as it starts, it
# says only ERROR. posdiag turns on error codes (AT+CMEE=1) before it asks, so the modem names the
# cause (+CME ERROR: 10) and the finding is the missing SIM, not a registration problem for the
# operator. The modem's start-up URCs (RDY, +CPIN: NOT INSERTED) arrive between the replies.
SIM_DESCRIPTION="no SIM card, modem with error codes off (AT+CMEE=0) at start"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="modem.no_sim"
SIM_EXPECT_CODES="T1"
SIM_EXPECT_SUPPRESSED="modem.not_registered,modem.signal_unknown"
SIM_MODEM_MODE=cmee-off-no-sim
