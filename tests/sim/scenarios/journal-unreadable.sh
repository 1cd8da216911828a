# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The journal's path names a directory, not the payment application's journal: the journal probe
# cannot do its check. Nothing found wrong is not "all clear": the run is incomplete (status
# unknown, exit 1) and says which check could not be done, in amber on the display.
SIM_DESCRIPTION="journal path is a directory: the journal check cannot complete (incomplete, not clear)"
SIM_EXPECT_EXIT=1
SIM_EXPECT_RULES=""

scenario() {
  local journal
  journal=$(journal_path)
  remove "$journal"
  mkdir -p -- "$(under_root "$journal")"
}
SIM_EXPECT_INCOMPLETE=journal
