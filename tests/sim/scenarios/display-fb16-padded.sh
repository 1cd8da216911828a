# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A healthy terminal whose panel is 16 bits per pixel with padded rows (680 bytes a row for 320
# pixels, 40 bytes of padding): the boot self-test draws on it as on the packed panel; the
# daemon's tests give it back byte for byte, padding included.
SIM_DESCRIPTION="healthy terminal, 16-bpp framebuffer with padded rows"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_DISPLAY_GEOMETRY=320x240x16
SIM_DISPLAY_LINE_LENGTH=680
