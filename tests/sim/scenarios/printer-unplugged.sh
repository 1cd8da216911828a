# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# No printer port at all: not on the bus.
SIM_DESCRIPTION="receipt printer cable out: no serial port"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.not_detected"
SIM_EXPECT_CODES="P4"
SIM_PRINTER_MODE=absent
