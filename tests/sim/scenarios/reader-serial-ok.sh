# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The terminal's card reader is a serial (RS-232) CCID reader, GemPC Twin-style, on /dev/ttyS2:
# it echoes each command frame, announces the inserted card, and answers GetSlotStatus (card
# present, clock running) and, at engineer level, the power-on with a well-formed ATR. Nothing to
# report.
SIM_DESCRIPTION="serial CCID card reader answers, card present"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_CARD_READER_SERIAL=healthy
