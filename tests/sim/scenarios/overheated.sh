# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The SoC is past its passive and hot trip points but still below critical: a terminal left in
# the sun or with its vents covered.
SIM_DESCRIPTION="SoC at 97 degC, over its passive (85) and hot (95) trip points"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="power.thermal_over_trip"
SIM_EXPECT_CODES="E1"

scenario() {
  put /sys/class/thermal/thermal_zone0/temp 97000
}
