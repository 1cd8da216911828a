# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment application's transaction journal. The healthy terminal has a few approved sales in
# the last minutes, each with a test card number in a `pan` field that posdiag must never echo.
# The journal lives on /var/spool (not the data partition, which is a tmpfs while posdiag runs).
#
# Knobs a scenario sets:
#   SIM_JOURNAL_FORMAT  jsonl (default) or csv (a header row and RFC 4180 quoting)
#   SIM_JOURNAL_CODES   response codes of the transactions, oldest first, one a minute up to a
#                       minute ago ("00 00 91 91 91")

JOURNAL_DIR=/var/spool/payapp
# A test card number (UnionPay BIN); it appears in the journal only.
JOURNAL_TEST_PAN=6222020000000000001

SIM_DEFAULT_HOOKS+=(journal_defaults)
SIM_TREE_HOOKS+=(journal_tree)
SIM_CONFIG_HOOKS+=(journal_config)

journal_defaults() {
  SIM_JOURNAL_FORMAT=jsonl
  SIM_JOURNAL_CODES="00 00 00 00 00"
}

journal_path() {
  case $SIM_JOURNAL_FORMAT in
    jsonl) printf '%s/journal.jsonl' "$JOURNAL_DIR" ;;
    csv) printf '%s/journal.csv' "$JOURNAL_DIR" ;;
    *) fail "SIM_JOURNAL_FORMAT must be jsonl or csv, not '$SIM_JOURNAL_FORMAT'" ;;
  esac
}

# Times are written as the terminal's local time in China (UTC+8, with its zone), from the clock
# when the tree is built; posdiag runs seconds later.
journal_time() {
  printf '%s+08:00' "$(date -u -d "@$(($1 + 8 * 3600))" +%Y-%m-%dT%H:%M:%S)"
}

journal_tree() {
  local -a codes
  read -r -a codes <<<"$SIM_JOURNAL_CODES"
  local now n i t code text="" trace
  now=$(date -u +%s)
  n=${#codes[@]}
  [[ $SIM_JOURNAL_FORMAT == csv ]] && text='time,type,amount,rc,pan'$'\n'
  for ((i = 0; i < n; i++)); do
    code=${codes[i]}
    t=$((now - (n - i) * 60))
    trace=$(printf '%06d' $((100 + i)))
    if [[ $SIM_JOURNAL_FORMAT == csv ]]; then
      text+="$(journal_time "$t"),\"sale, chip\",$((10 + i)).50,$code,$JOURNAL_TEST_PAN"$'\n'
    else
      text+="{\"time\":\"$(journal_time "$t")\",\"type\":\"sale\",\"trace\":\"$trace\",\"amount\":$((10 + i)).50,\"rc\":\"$code\",\"pan\":\"$JOURNAL_TEST_PAN\"}"$'\n'
    fi
  done
  # put adds a newline; the text already ends in one.
  put "$(journal_path)" "${text%$'\n'}"
}

journal_config() {
  cat <<TOML
[journal]
path = "$(journal_path)"
format = "$SIM_JOURNAL_FORMAT"
pan_field = "pan"
window_min = 30
TOML
}
