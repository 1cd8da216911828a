# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A firewall on the path drops the bank's replies: SYNs arrive but SYN-ACKs vanish, so the
# connect times out (after [network] connect_timeout_ms) rather than being refused.
SIM_DESCRIPTION="the bank's replies are dropped: the connect times out"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.host_timeout"
SIM_EXPECT_CODES="T1"
# The payment application's own timeouts (98) are the same fault seen from the journal.
SIM_EXPECT_SUPPRESSED="journal.timeouts_with_network_fault"
SIM_JOURNAL_CODES="00 98 98 98 98"
SIM_NET_BLACKHOLE=1
SIM_NET_DNS=0

scenario() {
  # DNS replies would vanish too; the host is given as an address so the connect is what fails.
  sed -i 's/^payment_host = .*/payment_host = "10.77.0.1:8443"/' "$CONFIG"
}
