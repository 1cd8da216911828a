# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The USB receipt printer answers over its bulk endpoints, and DLE EOT 4 says the roll sensor
# finds no paper.
SIM_DESCRIPTION="USB receipt printer out of paper"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.paper_end"
SIM_EXPECT_CODES="P1"
SIM_PRINTER_USB=paper_end
