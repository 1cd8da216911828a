# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The port is there but nothing answers DLE EOT: on the bus, not answering.
SIM_DESCRIPTION="receipt printer on the port but not answering"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.not_answering"
SIM_EXPECT_CODES="P4"
SIM_PRINTER_MODE=silent
