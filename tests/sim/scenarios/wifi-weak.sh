# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A Wi-Fi terminal far from its access point: wlan0 works, the payment host answers, but the
# signal is -85 dBm. A warning: payments still go through, for now.
SIM_DESCRIPTION="Wi-Fi signal -85 dBm on wlan0; the road to the host works"
SIM_EXPECT_EXIT=1
SIM_EXPECT_RULES="network.wifi_weak"
SIM_EXPECT_CODES="T1"
SIM_NET_IF=wlan0
SIM_NET_WIFI_SIGNAL=-85
