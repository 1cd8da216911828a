# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment application is printing: it holds the printer's serial port open, exclusively.
# posdiag finds it in /proc, names it and sends nothing to the port. A busy printer is a fact,
# not a fault: the finding is for information only and the terminal stays all clear.
SIM_DESCRIPTION="printer port held by the payment application"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES="printer.port_busy"
SIM_PRINTER_HOLDER=payapp
