# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# pcscd drives the serial (GemPC Twin-style) card reader through libccid's serial driver, which
# opens the port with no lock and no TIOCEXCL, as another user: nothing on the port says it is
# taken. posdiag asks pcscd first, finds its reader, and reads the slot through PC/SC instead of
# sending a single byte to the port.
SIM_DESCRIPTION="serial card reader driven by pcscd: asked through PC/SC, the port left alone"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES="card_reader.busy"
SIM_EXPECT_CODES="T2"
SIM_CARD_READER_SERIAL=healthy
SIM_PCSCD=card
