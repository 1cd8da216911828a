#!/usr/bin/env bash
# A real Mosquitto broker on loopback for the fleet tests, with its own CA, a server certificate,
# client certificates (two terminals, the desk's collectors, an expired one, one from a foreign CA)
# and an ACL that confines each terminal to its own topics.
#
#   broker.sh certs DIR          # make the certificates in DIR (once; kept when present)
#   broker.sh start DIR [plain]  # certs, then a broker on a free loopback port; prints the port.
#                                # `plain`: also an unencrypted loopback listener (port in DIR/plain_port)
#   broker.sh restart DIR        # the stopped broker again, on the port it had
#   broker.sh stop DIR           # stops it (SIGKILL), waits for it to be gone
#
# Files in DIR: ca.crt, server.{crt,key}, <name>.{crt,key} for term-0001, term-0002, desk-1, desk-2,
# expired (term-0001 with a certificate that ran out in 2020) and foreign (term-0001 under another CA);
# mosquitto.conf, acl, port, pid, broker.log. With POSDIAG_CERT_CACHE=DIR2 set, the certificates are
# made once in DIR2 and copied (the tests set it to a directory of the build tree).
set -euo pipefail

cmd=${1:?usage: broker.sh certs|start|stop DIR}
dir=${2:?usage: broker.sh certs|start|stop DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

ossl() { openssl "$@" >/dev/null 2>&1; }

# sign NAME CN CA_PREFIX [faketime date]: a client or server key and certificate.
sign() {
  local name=$1 cn=$2 ca=$3 when=${4:-} ext
  ext=$(mktemp)
  if [ "$name" = server ]; then
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$ext"
  else
    printf 'extendedKeyUsage=clientAuth\n' >"$ext"
  fi
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$name.key"
  ossl req -new -key "$dir/$name.key" -subj "/CN=$cn" -out "$dir/$name.csr"
  if [ -n "$when" ]; then
    faketime "$when" openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
      -CAcreateserial -days 30 -extfile "$ext" -out "$dir/$name.crt" >/dev/null 2>&1
  else
    ossl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
      -CAcreateserial -days 3650 -extfile "$ext" -out "$dir/$name.crt"
  fi
  rm -f "$dir/$name.csr" "$ext"
  chmod 0644 "$dir/$name.key"  # the broker may drop to another user
}

make_ca() {
  local name=$1 cn=$2
  ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=$cn" -keyout "$dir/$name.key" -out "$dir/$name.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}

certs() {
  [ -f "$dir/foreign.crt" ] && return 0
  # Making them takes about two seconds: a test run shares one set through POSDIAG_CERT_CACHE.
  if [ -n "${POSDIAG_CERT_CACHE:-}" ] && [ "${POSDIAG_CERT_CACHE%/}" != "$dir" ]; then
    mkdir -p "$POSDIAG_CERT_CACHE"
    flock "$POSDIAG_CERT_CACHE/.lock" "$0" certs "$POSDIAG_CERT_CACHE"
    cp "$POSDIAG_CERT_CACHE"/*.crt "$POSDIAG_CERT_CACHE"/*.key "$dir"/
    return 0
  fi
  make_ca ca "posdiag test fleet CA"
  make_ca otherca "some other CA"
  sign server localhost ca
  sign term-0001 term-0001 ca
  sign term-0002 term-0002 ca
  sign desk-1 desk-1 ca
  sign desk-2 desk-2 ca
  sign expired term-0001 ca "2020-01-01 00:00:00"
  sign foreign term-0001 otherca
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
  certs
  local port plain_port=""
  port=$(free_port)
  # Terminals (the certificate's CN is the user name) reach only their own topics; the desk's
  # collectors (desk-*) read every terminal's and send commands.
  cat >"$dir/acl" <<'EOF'
pattern write posdiag/v1/%u/status
pattern write posdiag/v1/%u/report
pattern read posdiag/v1/%u/cmd/+
pattern write posdiag/v1/%u/cmd/+/result
pattern read posdiag/v1/%u/status
user desk-1
topic read posdiag/v1/#
topic write posdiag/v1/+/cmd/+
user desk-2
topic read posdiag/v1/#
topic write posdiag/v1/+/cmd/+
EOF
  {
    # As whoever runs the tests (as root, mosquitto would otherwise become user mosquitto).
    echo "user $(id -un)"
    echo "per_listener_settings true"
    echo "set_tcp_nodelay true"
    echo "persistence false"
    echo "log_dest file $dir/broker.log"
    echo "log_type all"
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous false"
    echo "cafile $dir/ca.crt"
    echo "certfile $dir/server.crt"
    echo "keyfile $dir/server.key"
    echo "require_certificate true"
    echo "use_identity_as_username true"
    echo "acl_file $dir/acl"
    if [ "${1:-}" = plain ]; then
      plain_port=$(free_port)
      echo "listener $plain_port 127.0.0.1"
      echo "allow_anonymous true"
    fi
  } >"$dir/mosquitto.conf"
  [ -n "$plain_port" ] && echo "$plain_port" >"$dir/plain_port"
  : >"$dir/broker.log"
  mosquitto -c "$dir/mosquitto.conf" >>"$dir/broker.log" 2>&1 &
  echo $! >"$dir/pid"
  echo "$port" >"$dir/port"
  wait_ready "$port"
  echo "$port"
}

wait_ready() {
  local port=$1
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
      return 0
    fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
    sleep 0.05
  done
  echo "broker.sh: mosquitto did not start; its log:" >&2
  cat "$dir/broker.log" >&2
  return 1
}

restart() {
  stop
  mosquitto -c "$dir/mosquitto.conf" >>"$dir/broker.log" 2>&1 &
  echo $! >"$dir/pid"
  wait_ready "$(cat "$dir/port")"
}

stop() {
  [ -f "$dir/pid" ] || return 0
  local pid
  pid=$(cat "$dir/pid")
  # No persistence to save: a kill, not a SIGTERM that mosquitto notices only on its next tick.
  kill -9 "$pid" 2>/dev/null || true
  # Gone, or a zombie that nobody has reaped yet (it holds no port).
  for _ in $(seq 1 100); do
    case "$(ps -o stat= -p "$pid" 2>/dev/null)" in "" | Z*) break ;; esac
    sleep 0.02
  done
  rm -f "$dir/pid"
}

case "$cmd" in
  certs) certs ;;
  start) start "${3:-}" ;;
  stop) stop ;;
  restart) restart ;;
  *) echo "usage: broker.sh certs|start|restart|stop DIR" >&2; exit 2 ;;
esac
