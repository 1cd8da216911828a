# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A mobile terminal on cellular only: ppp0 carries the default route (no gateway, as on a PPP
# link), eth0 is present but down. The link judged is the one the route uses: all clear, not
# "cable unplugged".
SIM_DESCRIPTION="cellular only: default route on ppp0, eth0 down: all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
# The link judged is the route's interface, not eth0 nor the default route's.
SIM_EXPECT_FACTS="network.link.basis=route_to_host,network.route.interface=ppp0"
SIM_NET_IF=ppp0
SIM_NET_GATEWAY=0
SIM_NET_SPARE_IF=eth0
