# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The receipt printer is on USB (an Epson TM-T20II, printer class): it enumerates, its interface
# is claimed and it answers DLE EOT 1-4 over its bulk endpoints: online, cover closed, paper in.
SIM_DESCRIPTION="USB receipt printer answers, all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_PRINTER_USB=ready
