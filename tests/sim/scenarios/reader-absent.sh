# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The terminal is configured for its USB CCID card reader (072F:90CC), which is not on the bus:
# the cable is out or the reader is dead. "Reader absent" is the finding; what a reader would
# have answered is not asked.
SIM_DESCRIPTION="configured CCID card reader is not on the USB bus"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="card_reader.absent"
SIM_EXPECT_CODES="T2"
SIM_CARD_READER=absent
