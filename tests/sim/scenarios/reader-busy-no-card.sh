# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# pcscd owns the CCID card reader and no card is in it: posdiag leaves the reader alone and reads
# through PC/SC that the slot is empty. Nothing to report beyond the reader being busy.
SIM_DESCRIPTION="card reader owned by pcscd, no card: read through PC/SC"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES="card_reader.busy"
SIM_EXPECT_CODES="T2"
SIM_CARD_READER=active
SIM_CARD_READER_HOLDER=pcscd
SIM_PCSCD=empty
