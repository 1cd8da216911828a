# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The merchant's diagnosis with a signing key: the receipt printer is out of paper, and the result
# screen carries the signed hand-off summary in a QR code beside or under the finding
# (docs/hand-off.md). Knobs from the environment, for the hand-off tests (tests/e2e):
#   SIM_HANDOFF_KEY       a PEM Ed25519 private key on the host (default: a new one, openssl)
#   SIM_HANDOFF_GEOMETRY  the panel (default 320x240x16)
#   SIM_HANDOFF_LANG      zh-CN (default) or en
SIM_DESCRIPTION="merchant diagnosis, printer out of paper, signed hand-off QR code"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="printer.paper_end"
SIM_EXPECT_CODES="P1"
SIM_LEVEL=merchant
SIM_PRINTER_MODE=paper-end
SIM_DISPLAY_GEOMETRY=${SIM_HANDOFF_GEOMETRY:-320x240x16}
SIM_DISPLAY_LANG=${SIM_HANDOFF_LANG:-zh-CN}

scenario() {
  local key
  if [[ -n ${SIM_HANDOFF_KEY:-} ]]; then
    key=$(cat -- "$SIM_HANDOFF_KEY")
  else
    key=$(openssl genpkey -algorithm ed25519)
  fi
  put /etc/posdiag/handoff.pem "$key"
  chmod 0600 -- "$(under_root /etc/posdiag/handoff.pem)"
  config_append '
[report]
signing_key = "/etc/posdiag/handoff.pem"
terminal_id = "POS-0042"'
}
