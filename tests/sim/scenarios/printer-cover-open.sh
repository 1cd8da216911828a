# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The cover is open; the paper sensor under it reads "no paper", which the open cover hides.
SIM_DESCRIPTION="receipt printer cover open"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.cover_open"
SIM_EXPECT_CODES="P2"
SIM_EXPECT_SUPPRESSED="printer.offline,printer.paper_end"
SIM_PRINTER_MODE=cover-open
