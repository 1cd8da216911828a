# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The terminal's keys are out of step with the host: the last sales failed the MAC check (A0) and
# the terminal must sign in again.
SIM_DESCRIPTION="journal: the last sales answered A0 (MAC error: sign in again)"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="journal.mac_error"
SIM_EXPECT_CODES="A0"
SIM_JOURNAL_CODES="00 00 00 A0 A0"
