# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A worn-out cell: the gauge says Dead and reads almost nothing; the dead battery hides the
# critical charge it causes.
SIM_DESCRIPTION="battery health Dead, not charging on mains"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="power.battery_dead"
SIM_EXPECT_CODES="E1"

scenario() {
  put /sys/class/power_supply/BAT0/health Dead
  put /sys/class/power_supply/BAT0/status "Not charging"
  put /sys/class/power_supply/BAT0/capacity 2
  put /sys/class/power_supply/BAT0/capacity_level Critical
  put /sys/class/power_supply/BAT0/voltage_now 2910000
  put /sys/class/power_supply/BAT0/current_now 0
}
