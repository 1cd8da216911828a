# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The serial card reader's port is there, but nothing answers the framed GetSlotStatus (the
# reader is switched off, or set to another baud rate): on the line, not answering.
SIM_DESCRIPTION="serial CCID card reader on its port but not answering"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="card_reader.not_answering"
SIM_EXPECT_CODES="T2"
SIM_CARD_READER_SERIAL=silent
