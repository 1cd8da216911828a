# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment application has the modem's AT port open (a PPP session): posdiag reports it busy,
# names the holder and sends nothing, so the terminal stays all clear.
SIM_DESCRIPTION="modem port held open by the payment application"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES="modem.port_busy"
SIM_EXPECT_CODES="T1"
SIM_MODEM_HOLDER=payapp
