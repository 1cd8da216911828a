# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# The engineer's swipe test with a damaged stripe: the reader flags track 1 bad (E) and track 2
# carries a card number whose Luhn digit is wrong. The Luhn failure is the finding (T2); the
# general read error it explains is hidden behind it.
SIM_DESCRIPTION="engineer swipe test: track 1 unreadable, card number fails its Luhn digit"
SIM_EXPECT_EXIT=2
SIM_EXPECT_RULES="magstripe.luhn_failed"
SIM_EXPECT_CODES="T2"
SIM_EXPECT_SUPPRESSED="magstripe.read_error"
SIM_LEVEL=engineer
SIM_MAGSTRIPE=present
SIM_MAGSTRIPE_SWIPE='%E?;6222021234567890127=27121011234567890?'
