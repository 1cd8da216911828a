#!/bin/sh
# The systemd units and sysusers snippet as installed: `systemd-analyze verify` (which also
# checks that ExecStart= names an executable in the tree), the hardening's exposure score, the
# values the install fills in, and `systemd-sysusers` creating the posdiag user in a scratch root.
# Skipped (77) without systemd.
# shellcheck source=tests/package/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "skipped: systemd-analyze is not installed (Debian package systemd)"
  exit 77
fi

ROOT=$SCRATCH/root
install_tree "$ROOT"
unitdir=$(cd "$ROOT" && find . -path '*/systemd/system/posdiag.service' | sed 's|^\.||; s|/posdiag.service$||')
[ -n "$unitdir" ] || { fail "no posdiag.service installed"; finish; }
boot=$ROOT$unitdir/posdiag-boot.service
daemon=$ROOT$unitdir/posdiag.service

expect_line "$boot" "Type=oneshot"
expect_line "$boot" "RemainAfterExit=yes"
expect_line "$boot" "ExecStart=/usr/bin/posdiag selftest --config /etc/posdiag/posdiag.toml --level boot"
expect_line "$boot" "SuccessExitStatus=1 2"
expect_line "$boot" "Before=payment-app.service"
expect_line "$boot" "WantedBy=payment-app.service multi-user.target"
expect_line "$daemon" "ExecStart=/usr/bin/posdiag daemon --config /etc/posdiag/posdiag.toml"
expect_line "$daemon" "Restart=on-failure"
expect_match "$boot" '^TimeoutStartSec=[1-9]' "posdiag-boot.service: TimeoutStartSec set"
# RAUC's mark-good stands aside while an update is on trial: the gate decides then.
expect_match "$ROOT$unitdir/rauc-mark-good.service.d/posdiag-update-gate.conf" \
  '^ExecCondition=/.*/posdiag-update-gate --ordinary-boot$' "rauc-mark-good.service: drop-in installed"
for unit in "$boot" "$daemon"; do
  name=$(basename "$unit")
  for line in User=posdiag DevicePolicy=closed ProtectSystem=strict NoNewPrivileges=yes \
    PrivateTmp=yes ProtectHome=yes StateDirectory=posdiag LogsDirectory=posdiag \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"; do
    expect_line "$unit" "$line"
  done
  if grep -n '@' "$unit" | grep -v 'SystemCallFilter='; then fail "$name: unfilled @VAR@"; fi
done

# verify resolves the units' dependencies inside --root: give it the host's standard units
# beside ours (ours are not overwritten).
cp -Rn /lib/systemd/system/. "$ROOT$unitdir/" 2>/dev/null || true
# Parse problems are only warnings ("ignoring") with exit status 0: any output fails the test.
for unit in "$boot" "$daemon"; do
  name=$(basename "$unit")
  if out=$(systemd-analyze verify --root="$ROOT" "$unit" 2>&1) && [ -z "$out" ]; then
    pass "systemd-analyze verify $name"
  else
    fail "systemd-analyze verify $name: $out"
  fi
  # Exposure 0-10 (lower is better); --threshold is on the same scale times ten.
  score=$(systemd-analyze security --offline=yes --root="$ROOT" "$unit" 2>/dev/null |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  if systemd-analyze security --offline=yes --root="$ROOT" --threshold=30 "$unit" >/dev/null 2>&1; then
    pass "exposure of $name: $score (at most 3.0)"
  else
    fail "exposure of $name: $score (over 3.0)"
  fi
done

# systemd-sysusers creates the user, its group and the device-group memberships in the root.
if command -v systemd-sysusers >/dev/null 2>&1; then
  sysusers=$(find "$ROOT" -path '*/sysusers.d/posdiag.conf')
  mkdir -p "$ROOT/etc"
  for group in dialout lp input video; do
    # The groups a Debian base system already has (base-passwd); sysusers adds the members.
    echo "$group:x:$((20 + ${#group})):" >>"$ROOT/etc/group"
  done
  if systemd-sysusers --root="$ROOT" "$sysusers" >"$SCRATCH/sysusers.log" 2>&1; then
    expect_match "$ROOT/etc/passwd" \
      '^posdiag:x:[0-9]*:[0-9]*:posdiag terminal diagnostics:/var/lib/posdiag:' "sysusers: user posdiag"
    expect_match "$ROOT/etc/group" '^posdiag:x:[0-9]*:' "sysusers: group posdiag"
    for group in dialout lp input video; do
      expect_match "$ROOT/etc/group" "^$group:x:[0-9]*:.*posdiag" "sysusers: posdiag in $group"
    done
  else
    fail "systemd-sysusers: $(cat "$SCRATCH/sysusers.log")"
  fi
  # systemd-tmpfiles makes the log and history directories, owned by that user.
  tmpfiles=$(find "$ROOT" -path '*/tmpfiles.d/posdiag.conf')
  uid=$(sed -n 's/^posdiag:x:\([0-9]*\):.*/\1/p' "$ROOT/etc/passwd")
  if [ "$(id -u)" != 0 ]; then
    echo "note: not root: systemd-tmpfiles cannot give the directories to posdiag here"
  elif systemd-tmpfiles --root="$ROOT" --create "$tmpfiles" >"$SCRATCH/tmpfiles.log" 2>&1; then
    for dir in /var/log/posdiag /var/lib/posdiag/history; do
      check "tmpfiles: $dir, posdiag's, 0750" \
        test "$(stat -c '%u %a' "$ROOT$dir" 2>/dev/null)" = "$uid 750"
    done
  else
    fail "systemd-tmpfiles: $(cat "$SCRATCH/tmpfiles.log")"
  fi
fi
finish
