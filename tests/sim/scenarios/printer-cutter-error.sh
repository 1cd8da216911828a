# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The autocutter jammed: DLE EOT 3 reports an autocutter error and the printer went offline.
SIM_DESCRIPTION="receipt printer autocutter error"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.cutter_error"
SIM_EXPECT_CODES="P3"
SIM_EXPECT_SUPPRESSED="printer.offline"
SIM_PRINTER_MODE=cutter-error
