# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The terminal is configured for a USB receipt printer, and no printer-class device is on the
# bus: not on the bus, which is P4 "not detected", not "not answering".
SIM_DESCRIPTION="configured USB receipt printer is not on the bus"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.not_detected"
SIM_EXPECT_CODES="P4"
SIM_PRINTER_USB=absent
