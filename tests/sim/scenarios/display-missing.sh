# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The display is configured but its framebuffer is not there (driver not loaded, panel cable
# out): the report still reaches the log and the console, and the display failure is a finding.
SIM_DESCRIPTION="display configured, framebuffer /dev/fb0 missing"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="display.cannot_open"
SIM_EXPECT_CODES="E1"
SIM_DISPLAY_MODE=absent
