# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# Every byte back fails the DLE EOT fixed-bit check (as at a wrong baud rate): counted as framing
# errors, never read as a status.
SIM_DESCRIPTION="receipt printer answers with unreadable bytes"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.garbled"
SIM_EXPECT_CODES="P4"
SIM_EXPECT_SUPPRESSED="printer.not_answering"
SIM_PRINTER_MODE=garbage
