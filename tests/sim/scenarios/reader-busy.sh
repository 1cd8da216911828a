# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# pcscd owns the CCID card reader (it holds the reader's usbfs node), and a card is in it.
# posdiag leaves the reader alone and asks pcscd through PC/SC instead: present, card inserted.
# A busy reader is a fact, not a fault: the finding is for information only.
SIM_DESCRIPTION="card reader owned by pcscd: state read through PC/SC"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES="card_reader.busy"
SIM_EXPECT_CODES="T2"
SIM_CARD_READER=active
SIM_CARD_READER_HOLDER=pcscd
SIM_PCSCD=card
