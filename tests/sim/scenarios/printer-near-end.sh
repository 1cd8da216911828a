# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The roll's near-end sensor trips: still printing, a warning only.
SIM_DESCRIPTION="receipt paper running low"
SIM_EXPECT_EXIT=1
SIM_EXPECT_RULES="printer.paper_near_end"
SIM_EXPECT_CODES="P6"
SIM_PRINTER_MODE=near-end
