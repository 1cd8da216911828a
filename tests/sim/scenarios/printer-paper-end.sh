# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The paper roll ran out: DLE EOT says offline, stopped by paper end, sensor empty. P1 hides the
# offline and near-end symptoms it causes.
SIM_DESCRIPTION="receipt printer out of paper"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.paper_end"
SIM_EXPECT_CODES="P1"
SIM_EXPECT_SUPPRESSED="printer.offline,printer.paper_near_end"
SIM_PRINTER_MODE=paper-end
