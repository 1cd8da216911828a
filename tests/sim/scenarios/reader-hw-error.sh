# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The card reader is on the bus and answers, but GetSlotStatus fails with bError HW_ERROR and the
# reader announces a HardwareError (overcurrent) on its interrupt endpoint: the reader is broken.
SIM_DESCRIPTION="CCID card reader answers with a hardware error (overcurrent)"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="card_reader.hardware_error"
SIM_EXPECT_CODES="T2"
SIM_CARD_READER=hw_error
