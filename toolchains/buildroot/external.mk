include $(sort $(wildcard $(BR2_EXTERNAL_POSDIAG_PATH)/package/*/*.mk))
