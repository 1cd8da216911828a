# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The printer's serial port is held exclusively (TIOCEXCL) by a process whose /proc entry posdiag
# cannot read: its own exclusive open gets EBUSY, so the port is busy with no holder named, and
# nothing is sent.
SIM_DESCRIPTION="printer port held exclusively by a process posdiag cannot see"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES="printer.port_busy"
SIM_PRINTER_HOLDER=payapp
SIM_PRINTER_HOLDER_SEEN=0
