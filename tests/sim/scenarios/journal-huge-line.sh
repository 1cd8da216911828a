# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A 10 MB line (a payment application that wrote a blob without a newline) before the last sales:
# the journal is read from its tail within a bound, so the run neither stalls nor swallows the
# blob, and the sales after it are still judged (all approved: clear).
SIM_DESCRIPTION="journal: a 10 MB line before the last sales is skipped within the read bound"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_EXPECT_MAX_DURATION_MS=3000

scenario() {
  local journal tail_text
  journal=$(under_root "$(journal_path)")
  tail_text=$(cat "$journal")
  { head -c 10485760 /dev/zero | tr '\0' 'x'; printf '\n%s\n' "$tail_text"; } >"$journal"
}
