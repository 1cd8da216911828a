# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The print head is too hot: an auto-recoverable error that clears once it cools, but until
# then nothing prints, so an error.
SIM_DESCRIPTION="print head overheated, printing paused"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.head_overheated"
SIM_EXPECT_CODES="P5"
SIM_EXPECT_SUPPRESSED="printer.offline"
SIM_PRINTER_MODE=overheated
