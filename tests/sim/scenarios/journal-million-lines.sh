# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A journal of a million old sales (a payment application that never rotates it) followed by the
# last few: only the tail is read, so the run takes as long as on a small journal.
SIM_DESCRIPTION="journal: a million lines, only the tail is read and the run stays quick"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_EXPECT_MAX_DURATION_MS=3000

scenario() {
  local journal tail_text
  journal=$(under_root "$(journal_path)")
  tail_text=$(cat "$journal")
  {
    awk 'BEGIN { for (i = 0; i < 1000000; i++)
      print "{\"time\":\"2020-01-01T00:00:00+08:00\",\"type\":\"sale\",\"amount\":1.00,\"rc\":\"00\"}" }'
    printf '%s\n' "$tail_text"
  } >"$journal"
}
