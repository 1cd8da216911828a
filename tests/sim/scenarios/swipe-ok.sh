# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The engineer's swipe test with a good test card: both tracks well formed, the card number's
# Luhn digit right. Engineer level (a person swipes); at boot the probe does not run.
SIM_DESCRIPTION="engineer swipe test: a good card through the magnetic-stripe reader"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
SIM_EXPECT_CODES=""
SIM_LEVEL=engineer
SIM_MAGSTRIPE=present
SIM_MAGSTRIPE_SWIPE='%B6222021234567890128^ZHANG/SAN^2712101123456789?;6222021234567890128=27121011234567890?'
