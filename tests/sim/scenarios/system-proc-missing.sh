# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# /proc/meminfo and /proc/loadavg cannot be read under [system] root: the system probe runs to
# its end, but the memory and load rules have nothing to judge. Nothing found wrong is not "all
# clear": the run is incomplete (status unknown, exit 1) and names the system check.
SIM_DESCRIPTION="/proc/meminfo and /proc/loadavg missing: the system check is incomplete, not clear"
SIM_EXPECT_EXIT=1
SIM_EXPECT_RULES=""
SIM_EXPECT_INCOMPLETE=system

scenario() {
  remove /proc/meminfo
  remove /proc/loadavg
}
