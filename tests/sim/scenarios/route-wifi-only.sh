# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A Wi-Fi-only terminal with a good signal: wlan0 is its only interface.
SIM_DESCRIPTION="Wi-Fi only: wlan0 at -55 dBm carries the route: all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
# The link judged is the route's interface, not eth0 nor the default route's.
SIM_EXPECT_FACTS="network.link.basis=route_to_host,network.route.interface=wlan0"
SIM_NET_IF=wlan0
SIM_NET_WIFI_SIGNAL=-55
