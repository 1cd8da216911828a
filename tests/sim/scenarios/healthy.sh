# The base terminal as built: on mains, battery charging, cool, memory and storage to spare, the
# payment application installed at the expected version.
SIM_DESCRIPTION="on mains, battery charging, cool, room to spare, payment app in place"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULES=""
