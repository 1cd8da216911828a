# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The base terminal as built: on mains, battery charging, cool, memory and storage to spare, the
# payment application installed at the expected version.
SIM_DESCRIPTION="on mains, battery charging, cool, room to spare, payment app in place"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
