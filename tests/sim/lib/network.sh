# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The road to the payment host, built inside the terminal's network namespace: a veth pair from
# the terminal's interface (10.77.0.2/24, default route via 10.77.0.1) to a second namespace, the
# "bank" (10.77.0.1/24), which runs a DNS responder (dnsmasq) answering pay.bank.test and a TLS
# server (openssl s_server) on port 8443 with a certificate from a CA made for this run. The
# terminal trusts that CA (/etc/posdiag/bank-ca.pem under the root) and asks 10.77.0.1 for names
# (/etc/resolv.conf under the root).
#
# Knobs a scenario sets:
#   SIM_NET_IF           the terminal's interface name (eth0; wlan0 for a Wi-Fi terminal)
#   SIM_NET_CARRIER      1, or 0: the bank side of the cable is down, so eth0 has no carrier
#   SIM_NET_ADDRESS      1, or 0: no address and no route on the terminal (DHCP never answered)
#   SIM_NET_DNS          1, or 0: no DNS responder
#   SIM_NET_TLS_SERVER   1, or 0: nothing listens on the payment port
#   SIM_NET_BLACKHOLE    0, or 1: the bank drops every reply to the terminal (SYN-ACKs vanish)
#   SIM_NET_CERT         valid (default), expired, wrong-host
#   SIM_NET_WIFI_SIGNAL  "" (no /proc/net/wireless), or a level in dBm for SIM_NET_IF
# A service that does not come up fails the run with status 70.

NET_HOST=pay.bank.test
NET_PORT=8443
NET_TERMINAL_IP=10.77.0.2
NET_BANK_IP=10.77.0.1
NET_CA_PATH=/etc/posdiag/bank-ca.pem
NET_NS=bank
NET_DNS_PID=""
NET_TLS_PID=""

SIM_DEFAULT_HOOKS+=(net_defaults)
SIM_TREE_HOOKS+=(net_tree)
SIM_CONFIG_HOOKS+=(net_config)
SIM_START_HOOKS+=(net_start)
SIM_STOP_HOOKS+=(net_stop)

net_defaults() {
  SIM_NET_IF=eth0
  SIM_NET_CARRIER=1
  SIM_NET_ADDRESS=1
  SIM_NET_DNS=1
  SIM_NET_TLS_SERVER=1
  SIM_NET_BLACKHOLE=0
  SIM_NET_CERT=valid
  SIM_NET_WIFI_SIGNAL=""
}

net_date() {
  date -u -d "$1" +%Y%m%d%H%M%SZ
}

# A CA and the server certificate the scenario asks for, in $DIR/net. Small EC keys keep this to
# a few milliseconds; `openssl ca` is used because it can back-date a certificate.
net_make_certificates() {
  local d=$DIR/net name=$NET_HOST start end
  mkdir -p -- "$d"
  command -v openssl >/dev/null || fail "the network simulation needs openssl"
  case $SIM_NET_CERT in
    valid) start=$(net_date '-1 day') end=$(net_date '+365 days') ;;
    expired) start=$(net_date '-400 days') end=$(net_date '-2 days') ;;
    wrong-host)
      start=$(net_date '-1 day') end=$(net_date '+365 days')
      name=other.bank.test
      ;;
    *) fail "SIM_NET_CERT must be valid, expired or wrong-host, not '$SIM_NET_CERT'" ;;
  esac
  cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = sim
[sim]
database = $d/index.txt
new_certs_dir = $d
serial = $d/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
CNF
  : >"$d/index.txt"
  printf '1000\n' >"$d/serial"
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca.key" \
      -out "$d/ca.pem" -days 3650 -subj "/CN=Simulated Bank Root CA" &&
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/server.key" \
        -out "$d/server.csr" -subj "/CN=$name" -addext "subjectAltName=DNS:$name" &&
      openssl ca -batch -notext -config "$d/ca.cnf" -cert "$d/ca.pem" -keyfile "$d/ca.key" \
        -in "$d/server.csr" -out "$d/server.pem" -startdate "$start" -enddate "$end"
  } >"$d/openssl.log" 2>&1 || fail "cannot make the bank's certificates: $(tail -n 3 "$d/openssl.log")"
}

net_tree() {
  net_make_certificates
  mkdir -p -- "$(dirname -- "$(under_root $NET_CA_PATH)")"
  cp -- "$DIR/net/ca.pem" "$(under_root $NET_CA_PATH)"
  put /etc/resolv.conf "nameserver $NET_BANK_IP"
  if [[ -n $SIM_NET_WIFI_SIGNAL ]]; then
    put /proc/net/wireless "Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE
 face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22
$(printf '%6s: 0000   %d.  %d.  -256        0      0      0      0      0        0' \
      "$SIM_NET_IF" 20 "$SIM_NET_WIFI_SIGNAL")"
  fi
}

net_config() {
  # Short step timeouts keep the failing scenarios quick; the defaults are for real networks.
  cat <<TOML
[network]
payment_host = "$NET_HOST:$NET_PORT"
ca_file = "$NET_CA_PATH"
dns_timeout_ms = 1000
connect_timeout_ms = 1000
tls_timeout_ms = 1000
TOML
}

net_in_bank() {
  nsenter --net=/run/netns/$NET_NS -- "$@"
}

# For a server started with `net_serve_in_bank … &`: the subshell becomes nsenter, which becomes
# the server (nsenter enters a network namespace without forking), so $! is the server's own PID
# and net_stop stops the server itself, not a wrapper around it.
net_serve_in_bank() {
  exec nsenter --net=/run/netns/$NET_NS -- "$@"
}

# Waits up to 5 s for a listening socket in the bank (ss filter: "sport = :53") while PID lives.
net_wait_listen() {
  local proto=$1 port=$2 pid=$3 what=$4 i
  for ((i = 0; i < 250; i++)); do
    if [[ -n $(net_in_bank ss -Hln"$proto" "sport = :$port" 2>/dev/null) ]]; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail "$what exited at start: $(tail -n 3 "$DIR/net/$what.log")"
    sleep 0.02
  done
  fail "$what did not listen on port $port within 5 s"
}

net_start() {
  command -v ip >/dev/null || fail "the network simulation needs ip (iproute2)"
  # `ip netns add` keeps the namespace in /run/netns; a private tmpfs makes that possible here.
  mount -t tmpfs -o size=1m posdiag-sim-run /run || fail "cannot mount a tmpfs on /run"
  {
    ip netns add $NET_NS &&
      ip link add "$SIM_NET_IF" type veth peer name bank0 netns $NET_NS &&
      ip -n $NET_NS link set lo up &&
      ip -n $NET_NS addr add $NET_BANK_IP/24 dev bank0 &&
      ip link set "$SIM_NET_IF" up
  } || fail "cannot build the veth pair to the bank"
  if [[ $SIM_NET_CARRIER == 1 ]]; then
    ip -n $NET_NS link set bank0 up || fail "cannot bring up the bank's side"
  fi
  if [[ $SIM_NET_ADDRESS == 1 ]]; then
    ip addr add $NET_TERMINAL_IP/24 dev "$SIM_NET_IF" &&
      ip route add default via $NET_BANK_IP dev "$SIM_NET_IF" ||
      fail "cannot address the terminal's interface"
  fi
  if [[ $SIM_NET_BLACKHOLE == 1 ]]; then
    ip -n $NET_NS route add blackhole $NET_TERMINAL_IP/32 || fail "cannot blackhole the terminal"
  fi
  if [[ $SIM_NET_DNS == 1 ]]; then
    command -v dnsmasq >/dev/null || fail "the network simulation needs dnsmasq (dnsmasq-base)"
    net_serve_in_bank dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
      --listen-address=$NET_BANK_IP --address=/$NET_HOST/$NET_BANK_IP \
      --address=/other.bank.test/$NET_BANK_IP --user=root --pid-file="$DIR/net/dnsmasq.pid" \
      --log-facility=- >"$DIR/net/dnsmasq.log" 2>&1 &
    NET_DNS_PID=$!
    net_wait_listen u 53 "$NET_DNS_PID" dnsmasq
  fi
  if [[ $SIM_NET_TLS_SERVER == 1 ]]; then
    net_serve_in_bank openssl s_server -quiet -www -accept $NET_BANK_IP:$NET_PORT \
      -cert "$DIR/net/server.pem" -key "$DIR/net/server.key" </dev/null \
      >"$DIR/net/s_server.log" 2>&1 &
    NET_TLS_PID=$!
    net_wait_listen t $NET_PORT "$NET_TLS_PID" s_server
  fi
}

net_stop() {
  local pid
  for pid in "$NET_TLS_PID" "$NET_DNS_PID"; do
    [[ -n $pid ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  NET_TLS_PID=""
  NET_DNS_PID=""
}
