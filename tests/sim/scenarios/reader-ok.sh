# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The terminal's USB CCID card reader is on the bus and answers GetSlotStatus: a card is present
# and active, the clock runs. Nothing to report.
SIM_DESCRIPTION="CCID card reader answers, card present and active"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_CARD_READER=active
