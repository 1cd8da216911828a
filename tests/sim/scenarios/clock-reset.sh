# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The RTC battery died: the clock came up at 2000-01-01, before the software was built, and every
# TLS certificate looks not yet valid. posdiag runs under faketime; its monotonic clock is real.
SIM_DESCRIPTION="wall clock reset to 2000-01-01 (RTC battery dead)"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="system.clock_before_build"
SIM_EXPECT_CODES="E1"
SIM_FAKETIME="2000-01-01 00:00:00 UTC"
