// The CCID reader through the real libusb path, against readers umockdev emulates from
// tests/umockdev (one fixture per test; run only under umockdev-run, see CMakeLists.txt).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "drivers/card_reader/ccid.h"
#include "drivers/card_reader/reader.h"
#include "drivers/io/usb_device.h"

namespace posdiag::drivers::card_reader {
namespace {

using namespace std::chrono_literals;

struct Opened {
  io::UsbDeviceInfo info;
  std::unique_ptr<io::UsbDevice> device;
  const io::UsbInterface* itf = nullptr;
};

// Finds the emulated reader by class, checks its descriptors and claims its interface.
void OpenReader(Opened& o) {
  auto devices = io::ListUsbDevices();
  ASSERT_TRUE(devices) << devices.error().detail;
  for (const auto& d : *devices) {
    if (io::FindInterface(d, kCcidClass) != nullptr) o.info = d;
  }
  ASSERT_EQ(o.info.vid, 0x072F);
  ASSERT_EQ(o.info.pid, 0x90CC);
  EXPECT_EQ(o.info.DevNode(), "/dev/bus/usb/001/002");
  o.itf = io::FindInterface(o.info, kCcidClass);
  auto desc = DecodeClassDescriptor(o.itf->extra);
  ASSERT_TRUE(desc) << desc.error().detail;
  EXPECT_EQ(desc->max_message_length, 271u);
  auto dev = io::OpenUsbDevice(o.info);
  ASSERT_TRUE(dev) << dev.error().detail;
  o.device = std::move(*dev);
  auto claimed = o.device->Claim(o.itf->number);
  ASSERT_TRUE(claimed) << claimed.error().detail;
}

TEST(UmockdevReader, ActiveCard) {
  Opened o;
  ASSERT_NO_FATAL_FAILURE(OpenReader(o));
  auto t = UsbCcidTransport::Make(*o.device, *o.itf, 271);
  ASSERT_TRUE(t);
  CcidSession s(*t);
  auto slot = s.GetSlotStatus(io::Deadline::In(3s));
  ASSERT_TRUE(slot) << slot.error().detail;
  EXPECT_EQ(slot->icc, IccStatus::kActive);
  EXPECT_EQ(slot->clock, 0);
  EXPECT_FALSE(slot->error);
  EXPECT_FALSE(t->PendingHardwareError(io::Deadline::In(1s)));
}

TEST(UmockdevReader, NoCard) {
  Opened o;
  ASSERT_NO_FATAL_FAILURE(OpenReader(o));
  auto t = UsbCcidTransport::Make(*o.device, *o.itf, 271);
  ASSERT_TRUE(t);
  CcidSession s(*t);
  auto slot = s.GetSlotStatus(io::Deadline::In(3s));
  ASSERT_TRUE(slot) << slot.error().detail;
  EXPECT_EQ(slot->icc, IccStatus::kAbsent);
  EXPECT_FALSE(slot->error);  // ICC_MUTE from GetSlotStatus: no card, not a fault
}

TEST(UmockdevReader, HardwareError) {
  Opened o;
  ASSERT_NO_FATAL_FAILURE(OpenReader(o));
  auto t = UsbCcidTransport::Make(*o.device, *o.itf, 271);
  ASSERT_TRUE(t);
  CcidSession s(*t);
  auto slot = s.GetSlotStatus(io::Deadline::In(3s));
  ASSERT_TRUE(slot) << slot.error().detail;
  ASSERT_TRUE(slot->error);
  EXPECT_EQ(ErrorName(*slot->error), "HW_ERROR");
  auto hw = t->PendingHardwareError(io::Deadline::In(1s));
  ASSERT_TRUE(hw);
  EXPECT_EQ(hw->code, 1);  // overcurrent
}

TEST(UmockdevReader, MuteChip) {
  Opened o;
  ASSERT_NO_FATAL_FAILURE(OpenReader(o));
  auto t = UsbCcidTransport::Make(*o.device, *o.itf, 271);
  ASSERT_TRUE(t);
  CcidSession s(*t);
  auto slot = s.GetSlotStatus(io::Deadline::In(3s));
  ASSERT_TRUE(slot) << slot.error().detail;
  EXPECT_EQ(slot->icc, IccStatus::kInactive);
  auto on = s.PowerOn(io::Deadline::In(3s));
  ASSERT_TRUE(on) << on.error().detail;
  EXPECT_TRUE(on->mute);
  EXPECT_TRUE(s.PowerOff(io::Deadline::In(3s)));
}

}  // namespace
}  // namespace posdiag::drivers::card_reader
