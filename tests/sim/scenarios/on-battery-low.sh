# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The adapter is unplugged and the battery is running down: the low battery is the finding, the
# unplugged adapter is the symptom it hides.
SIM_DESCRIPTION="adapter unplugged, battery discharging at 8 %"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="power.battery_low"
SIM_EXPECT_CODES="E1"
SIM_EXPECT_SUPPRESSED="power.adapter_unplugged"

scenario() {
  put /sys/class/power_supply/AC/online 0
  put /sys/class/power_supply/BAT0/status Discharging
  put /sys/class/power_supply/BAT0/capacity 8
  put /sys/class/power_supply/BAT0/capacity_level Low
  put /sys/class/power_supply/BAT0/voltage_now 3552000
  put /sys/class/power_supply/BAT0/current_now -640000
}
