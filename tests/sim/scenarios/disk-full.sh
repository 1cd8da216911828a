# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The data partition is really full: a 512 KiB tmpfs filled to the last block, so statvfs sees
# what a terminal with a full flash partition sees.
SIM_DESCRIPTION="data partition full (512 KiB tmpfs filled)"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="system.data_storage_full"
SIM_EXPECT_CODES="E1"
SIM_DATA_TMPFS=512k
SIM_FILL_DATA=1
