# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# An engineer's test card is in the reader (present, not powered), but IccPowerOn gets ICC_MUTE:
# the chip does not answer. The reader itself is fine; the card (or the slot's contacts) is not.
SIM_DESCRIPTION="chip card inserted, but mute on IccPowerOn"
SIM_EXPECT_EXIT=1
SIM_EXPECT_RULES="card_reader.chip_mute"
SIM_EXPECT_CODES="T2"
SIM_CARD_READER=chip_mute
SIM_LEVEL=engineer
