# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The data partition's path is not there (its partition failed to mount on a terminal whose mount
# point is made at mount time, or [system] data_path names a path this terminal does not have):
# its free space cannot be read, and the rule for a full data partition has nothing to judge.
# Nothing found wrong is not "all clear": the run is incomplete (status unknown, exit 1) and names
# the system check.
SIM_DESCRIPTION="the data partition's path is missing: its free space unknown, the system check incomplete, not clear"
SIM_EXPECT_EXIT=1
SIM_EXPECT_RULES=""
SIM_EXPECT_INCOMPLETE=system

data_partition_gone() {
  umount "$(under_root "$DATA_PATH")"
  rm -rf -- "$(under_root "$DATA_PATH")"
}
SIM_START_HOOKS+=(data_partition_gone)
