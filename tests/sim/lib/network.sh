# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The road to the payment host, built inside the terminal's network namespace: a veth pair from
# the terminal's interface (10.77.0.2/24, default route via 10.77.0.1) to a second namespace, the
# "bank" (10.77.0.1/24), which runs a DNS responder (dnsmasq) answering pay.bank.test and a TLS
# server (openssl s_server) on port 8443 with a certificate from a CA made for this run. The
# terminal trusts that CA (/etc/posdiag/bank-ca.pem under the root) and asks 10.77.0.1 for names
# (/etc/resolv.conf under the root).
#
# Knobs a scenario sets:
#   SIM_NET_IF           the terminal's interface name (eth0; wlan0 for a Wi-Fi terminal, ppp0 or
#                        wwan0 for a cellular one)
#   SIM_NET_GATEWAY      1: the default route goes via 10.77.0.1; 0: "default dev IF" without a
#                        gateway, as on a point-to-point (PPP) link
#   SIM_NET_SPARE_IF     "" or a second interface that is present but down, without carrier or
#                        routes (eth0 on a mobile terminal whose cable is not used)
#   SIM_NET_VPN          0, or 1: a tun0 interface (to the bank, 10.78.0.2/24) carries the route
#                        to the payment host (10.77.0.1/32); SIM_NET_IF keeps the default route
#   SIM_NET_CARRIER      1, or 0: the bank side of the cable is down, so eth0 has no carrier
#   SIM_NET_ADDRESS      1, or 0: no address and no route on the terminal (DHCP never answered)
#   SIM_NET_DNS          1, or 0: no DNS responder
#   SIM_NET_DNS_RCODE    "" (dnsmasq answers), or servfail, refused, nxdomain, silent: a responder
#                        (lib/network-dns.py) that answers every query so, or never
#   SIM_NET_HOSTS_LINE   "" or a line for the terminal's /etc/hosts ("10.77.0.1 pay.bank.test")
#   SIM_NET_NSSWITCH     "" (no /etc/nsswitch.conf), or its hosts: sources ("files dns")
#   SIM_NET_TLS_SERVER   1, 0: nothing listens on the payment port, or hang: it accepts the TCP
#                        connection and never answers the TLS handshake; reset, garbage, trickle:
#                        it reads the ClientHello, then resets the connection, answers with bytes
#                        that are not TLS, or sends the start of a ServerHello one byte a second
#                        (lib/network-tls-peer.py)
#   SIM_NET_BLACKHOLE    0, or 1: the bank drops every reply to the terminal (SYN-ACKs vanish)
#   SIM_NET_CERT         valid (default), expired, wrong-host
#   SIM_NET_CLIENT_AUTH  0, or 1: the TLS server requires a client certificate from the bank's CA
#   SIM_NET_CLIENT_CERT  "" (the terminal has none), valid or expired: a terminal certificate from
#                        the bank's CA, configured as [network] client_cert and client_key
#   SIM_NET_PAYMENT_HOST the [network] payment_host (pay.bank.test:8443); gw.bank.test resolves too
#   SIM_NET_SERVER_NAME  "" (not set) or [network] server_name
#   SIM_NET_CA_FILE      the [network] ca_file (/etc/posdiag/bank-ca.pem, which the tree holds)
#   SIM_NET_STEP_TIMEOUT_MS  the DNS, connect and TLS step timeouts (1000)
#   SIM_NET_PROBE_TIMEOUT_MS  the network probe's [network] timeout_ms; "" (default) for posdiag's
#   SIM_NET_WIFI_SIGNAL  "" (no /proc/net/wireless), or a level in dBm for SIM_NET_IF
# A service that does not come up fails the run with status 70.

NET_HOST=pay.bank.test
NET_PORT=8443
NET_TERMINAL_IP=10.77.0.2
NET_BANK_IP=10.77.0.1
NET_CA_PATH=/etc/posdiag/bank-ca.pem
NET_NS=bank
NET_CLIENT_CERT_PATH=/etc/posdiag/terminal.pem
NET_CLIENT_KEY_PATH=/etc/posdiag/terminal.key
NET_DNS_PID=""
NET_TLS_PID=""

SIM_DEFAULT_HOOKS+=(net_defaults)
SIM_TREE_HOOKS+=(net_tree)
SIM_CONFIG_HOOKS+=(net_config)
SIM_START_HOOKS+=(net_start)
SIM_STOP_HOOKS+=(net_stop)

net_defaults() {
  SIM_NET_IF=eth0
  SIM_NET_GATEWAY=1
  SIM_NET_SPARE_IF=""
  SIM_NET_VPN=0
  SIM_NET_CARRIER=1
  SIM_NET_ADDRESS=1
  SIM_NET_DNS=1
  SIM_NET_DNS_RCODE=""
  SIM_NET_HOSTS_LINE=""
  SIM_NET_NSSWITCH=""
  SIM_NET_TLS_SERVER=1
  SIM_NET_BLACKHOLE=0
  SIM_NET_CERT=valid
  SIM_NET_CLIENT_AUTH=0
  SIM_NET_CLIENT_CERT=""
  SIM_NET_PAYMENT_HOST="$NET_HOST:$NET_PORT"
  SIM_NET_SERVER_NAME=""
  SIM_NET_CA_FILE=$NET_CA_PATH
  SIM_NET_STEP_TIMEOUT_MS=1000
  SIM_NET_PROBE_TIMEOUT_MS=""
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
  [[ -n $SIM_NET_CLIENT_CERT ]] || return 0
  # The terminal's own certificate, issued by the same CA (the acquirer's).
  case $SIM_NET_CLIENT_CERT in
    valid) start=$(net_date '-1 day') end=$(net_date '+365 days') ;;
    expired) start=$(net_date '-730 days') end=$(net_date '-3 days') ;;
    *) fail "SIM_NET_CLIENT_CERT must be valid or expired, not '$SIM_NET_CLIENT_CERT'" ;;
  esac
  {
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/client.key" \
      -out "$d/client.csr" -subj "/CN=SIM-100 terminal 00042" &&
      openssl ca -batch -notext -config "$d/ca.cnf" -cert "$d/ca.pem" -keyfile "$d/ca.key" \
        -in "$d/client.csr" -out "$d/client.pem" -startdate "$start" -enddate "$end"
  } >>"$d/openssl.log" 2>&1 || fail "cannot make the terminal's certificate: $(tail -n 3 "$d/openssl.log")"
}

net_tree() {
  net_make_certificates
  mkdir -p -- "$(dirname -- "$(under_root $NET_CA_PATH)")"
  cp -- "$DIR/net/ca.pem" "$(under_root $NET_CA_PATH)"
  put /etc/resolv.conf "nameserver $NET_BANK_IP"
  if [[ -n $SIM_NET_CLIENT_CERT ]]; then
    cp -- "$DIR/net/client.pem" "$(under_root $NET_CLIENT_CERT_PATH)"
    cp -- "$DIR/net/client.key" "$(under_root $NET_CLIENT_KEY_PATH)"
    chmod 0600 -- "$(under_root $NET_CLIENT_KEY_PATH)"
  fi
  [[ -z $SIM_NET_HOSTS_LINE ]] || put /etc/hosts "127.0.0.1 localhost
$SIM_NET_HOSTS_LINE"
  [[ -z $SIM_NET_NSSWITCH ]] || put /etc/nsswitch.conf "passwd: files
hosts: $SIM_NET_NSSWITCH"
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
payment_host = "$SIM_NET_PAYMENT_HOST"
ca_file = "$SIM_NET_CA_FILE"
dns_timeout_ms = $SIM_NET_STEP_TIMEOUT_MS
connect_timeout_ms = $SIM_NET_STEP_TIMEOUT_MS
tls_timeout_ms = $SIM_NET_STEP_TIMEOUT_MS
TOML
  [[ -z $SIM_NET_SERVER_NAME ]] || printf 'server_name = "%s"\n' "$SIM_NET_SERVER_NAME"
  [[ -z $SIM_NET_PROBE_TIMEOUT_MS ]] || printf 'timeout_ms = %s\n' "$SIM_NET_PROBE_TIMEOUT_MS"
  if [[ -n $SIM_NET_CLIENT_CERT ]]; then
    printf 'client_cert = "%s"\nclient_key = "%s"\n' "$NET_CLIENT_CERT_PATH" "$NET_CLIENT_KEY_PATH"
  fi
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
    ip addr add $NET_TERMINAL_IP/24 dev "$SIM_NET_IF" || fail "cannot address the terminal's interface"
    if [[ $SIM_NET_GATEWAY == 1 ]]; then
      ip route add default via $NET_BANK_IP dev "$SIM_NET_IF" || fail "cannot add the default route"
    else
      ip route add default dev "$SIM_NET_IF" || fail "cannot add the default route"
    fi
  fi
  if [[ -n $SIM_NET_SPARE_IF ]]; then
    # Present, down and without routes: its peer sits in the bank, down too.
    ip link add "$SIM_NET_SPARE_IF" type veth peer name spare0 netns $NET_NS ||
      fail "cannot add the spare interface $SIM_NET_SPARE_IF"
  fi
  if [[ $SIM_NET_VPN == 1 ]]; then
    # The payment host's traffic goes through the tunnel; the bank answers over it (its address
    # on the tunnel is on-link), so nothing of it takes SIM_NET_IF.
    {
      ip link add tun0 type veth peer name vpn0 netns $NET_NS &&
        ip -n $NET_NS addr add 10.78.0.1/24 dev vpn0 &&
        ip -n $NET_NS link set vpn0 up &&
        ip addr add 10.78.0.2/24 dev tun0 &&
        ip link set tun0 up &&
        ip route add $NET_BANK_IP/32 via 10.78.0.1 dev tun0 src 10.78.0.2
    } || fail "cannot build the VPN tunnel"
  fi
  if [[ $SIM_NET_BLACKHOLE == 1 ]]; then
    ip -n $NET_NS route add blackhole $NET_TERMINAL_IP/32 || fail "cannot blackhole the terminal"
  fi
  if [[ $SIM_NET_DNS == 1 && -n $SIM_NET_DNS_RCODE ]]; then
    command -v python3 >/dev/null || fail "the network simulation needs python3"
    net_serve_in_bank python3 "$SIM_HOME/lib/network-dns.py" --listen $NET_BANK_IP \
      --rcode "$SIM_NET_DNS_RCODE" >"$DIR/net/network-dns.log" 2>&1 &
    NET_DNS_PID=$!
    net_wait_listen u 53 "$NET_DNS_PID" network-dns
  elif [[ $SIM_NET_DNS == 1 ]]; then
    command -v dnsmasq >/dev/null || fail "the network simulation needs dnsmasq (dnsmasq-base)"
    net_serve_in_bank dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
      --listen-address=$NET_BANK_IP --address=/$NET_HOST/$NET_BANK_IP \
      --address=/other.bank.test/$NET_BANK_IP --address=/gw.bank.test/$NET_BANK_IP \
      --user=root --pid-file="$DIR/net/dnsmasq.pid" \
      --log-facility=- >"$DIR/net/dnsmasq.log" 2>&1 &
    NET_DNS_PID=$!
    net_wait_listen u 53 "$NET_DNS_PID" dnsmasq
  fi
  if [[ $SIM_NET_TLS_SERVER == 1 ]]; then
    local -a client_auth=()
    if [[ $SIM_NET_CLIENT_AUTH == 1 ]]; then
      client_auth=(-Verify 1 -verify_return_error -CAfile "$DIR/net/ca.pem")
    fi
    net_serve_in_bank openssl s_server -quiet -www -accept $NET_BANK_IP:$NET_PORT \
      -cert "$DIR/net/server.pem" -key "$DIR/net/server.key" "${client_auth[@]}" </dev/null \
      >"$DIR/net/s_server.log" 2>&1 &
    NET_TLS_PID=$!
    net_wait_listen t $NET_PORT "$NET_TLS_PID" s_server
  elif [[ $SIM_NET_TLS_SERVER == hang ]]; then
    # Takes each connection and what it is sent, and never answers.
    command -v socat >/dev/null || fail "the network simulation needs socat"
    net_serve_in_bank socat -u TCP-LISTEN:$NET_PORT,bind=$NET_BANK_IP,reuseaddr,fork \
      OPEN:/dev/null,wronly >"$DIR/net/hang.log" 2>&1 &
    NET_TLS_PID=$!
    net_wait_listen t $NET_PORT "$NET_TLS_PID" hang
  elif [[ $SIM_NET_TLS_SERVER =~ ^(reset|garbage|trickle)$ ]]; then
    command -v python3 >/dev/null || fail "the network simulation needs python3"
    net_serve_in_bank python3 "$SIM_HOME/lib/network-tls-peer.py" --listen $NET_BANK_IP \
      --port $NET_PORT --mode "$SIM_NET_TLS_SERVER" >"$DIR/net/tls-peer.log" 2>&1 &
    NET_TLS_PID=$!
    net_wait_listen t $NET_PORT "$NET_TLS_PID" tls-peer
  elif [[ $SIM_NET_TLS_SERVER != 0 ]]; then
    fail "SIM_NET_TLS_SERVER must be 1, 0, hang, reset, garbage or trickle, not '$SIM_NET_TLS_SERVER'"
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
