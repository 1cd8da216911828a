#!/usr/bin/env bash
# Plays a terminal that answers one remote command, for posdiag-fleet run's tests: subscribes to
# TERMINAL's command topic with that terminal's certificate (broker.sh's files in DIR), touches
# READY once the broker has acknowledged the subscription, and answers the first command on
# cmd/<request_id>/result.
#
#   responder.sh DIR TERMINAL ok REPORT_FILE READY    # {"ok":true,"report":<REPORT_FILE>}
#   responder.sh DIR TERMINAL refuse REASON READY     # {"ok":false,"error":REASON}
# Gives up after 30 s without a command (exit 1).
set -euo pipefail
dir=$1 terminal=$2 mode=$3 arg=$4 ready=$5
port=$(cat "$dir/port")
tls=(-h localhost -p "$port" --cafile "$dir/ca.crt" --cert "$dir/$terminal.crt"
  --key "$dir/$terminal.key" -V mqttv5)

while IFS= read -r line; do
  case $line in
    *"received SUBACK"*) : >"$ready" ;;
    posdiag/v1/"$terminal"/cmd/*)
      topic=${line%% *}
      request=${topic##*/}
      if [ "$mode" = ok ]; then
        payload=$(printf '{"schema":"posdiag.result/1","request_id":"%s","terminal_id":"%s","command":"run","ok":true,"report":%s}' \
          "$request" "$terminal" "$(cat "$arg")")
      else
        payload=$(printf '{"schema":"posdiag.result/1","request_id":"%s","terminal_id":"%s","command":"run","ok":false,"error":"%s"}' \
          "$request" "$terminal" "$arg")
      fi
      mosquitto_pub "${tls[@]}" -q 1 -t "$topic/result" -m "$payload"
      echo "answered $request" >&2
      exit 0
      ;;
  esac
done < <(stdbuf -oL mosquitto_sub "${tls[@]}" -q 1 -d -v -C 1 -W 30 -t "posdiag/v1/$terminal/cmd/+")
exit 1
