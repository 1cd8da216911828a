# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A CSV journal with a header row and quoted fields whose last sale was declined for insufficient
# funds (51): a finding for the merchant, but not a terminal fault, so the run is still clear.
SIM_DESCRIPTION="journal (CSV): the last sale was declined with 51 (insufficient funds)"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES="journal.insufficient_funds"
SIM_EXPECT_CODES="51"
SIM_JOURNAL_FORMAT=csv
SIM_JOURNAL_CODES="00 00 51"
