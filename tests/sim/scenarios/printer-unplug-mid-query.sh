# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The printer answers the first DLE EOT, then its line goes away before the second reply.
SIM_DESCRIPTION="receipt printer unplugged in the middle of the status queries"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.connection_lost"
SIM_EXPECT_CODES="P4"
SIM_PRINTER_MODE=unplug
