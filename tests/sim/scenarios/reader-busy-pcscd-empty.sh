# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The CCID card reader is held by a process, and the pcscd that runs knows no reader: posdiag
# still leaves the reader alone; what PC/SC would have said is missing, with the reason.
SIM_DESCRIPTION="card reader held, pcscd knows no reader"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES="card_reader.busy"
SIM_EXPECT_CODES="T2"
SIM_CARD_READER=active
SIM_CARD_READER_HOLDER=payapp
SIM_PCSCD=no-reader
