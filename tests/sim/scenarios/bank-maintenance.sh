# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The issuer's system is down: every sale in the last minutes came back 91. The bank is at fault,
# not the terminal; the single-transaction finding is hidden behind the repeated one.
SIM_DESCRIPTION="journal: the last sales all answered 91 (bank maintenance)"
SIM_EXPECT_EXIT=1
SIM_EXPECT_RULES="journal.bank_maintenance"
SIM_EXPECT_CODES="91"
SIM_EXPECT_SUPPRESSED="journal.last_issuer_unavailable"
SIM_JOURNAL_CODES="00 00 91 91 91 91"
