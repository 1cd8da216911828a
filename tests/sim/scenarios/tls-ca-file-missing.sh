# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# [network] ca_file names a file the terminal does not have (the acquirer's root was never
# installed): its own finding for the engineer, not a silent "no TLS fact can be measured".
SIM_DESCRIPTION="ca_file names a missing file: the CA bundle cannot be read"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="network.tls_ca_file_unreadable"
SIM_EXPECT_CODES="E1"
SIM_NET_CA_FILE=/etc/posdiag/acquirer-root.pem
