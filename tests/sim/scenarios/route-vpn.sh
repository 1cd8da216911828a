# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The payment traffic goes through a VPN: tun0 carries the route to the payment host while eth0
# keeps the default route.
SIM_DESCRIPTION="VPN: tun0 carries the payment host's route, eth0 the default: all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
# The link judged is the route's interface, not eth0 nor the default route's.
SIM_EXPECT_FACTS="network.link.basis=route_to_host,network.route.interface=tun0,network.route.default_dev=eth0"
SIM_NET_VPN=1
