// The USB printer through the real libusb path, against a printer this test answers itself
// (tests/umockdev/emulated_usb.h): the IEEE 1284 GET_DEVICE_ID control transfer, which umockdev's
// ioctl scripts cannot replay, and an interface another process has claimed. Runs under
// umockdev-wrapper (see CMakeLists.txt).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "drivers/io/usb_device.h"
#include "drivers/printer/printer.h"
#include "drivers/printer/usb_transport.h"
#include "tests/umockdev/emulated_usb.h"

namespace posdiag::drivers::printer {
namespace {

using namespace std::chrono_literals;
using posdiag::testing::EmulatedUsb;

constexpr const char* kNode = "/dev/bus/usb/001/003";
// GET_DEVICE_ID on interface 0, alternate setting 0, asking for kMaxDeviceIdLength (1024) bytes.
constexpr EmulatedUsb::Setup kGetDeviceId = {0xA1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04};

std::vector<std::uint8_t> DeviceIdReply(const std::string& text) {
  const std::size_t n = text.size() + 2;
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(n >> 8),
                                static_cast<std::uint8_t>(n & 0xFF)};
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

// A healthy printer: every DLE EOT n gets 0x12 (all clear).
std::vector<std::uint8_t> Healthy(const std::vector<std::uint8_t>& out) {
  std::vector<std::uint8_t> answer;
  for (std::size_t i = 0; i + 2 < out.size(); ++i) {
    if (out[i] == 0x10 && out[i + 1] == 0x04) answer.push_back(0x12);
  }
  return answer;
}

class EmulatedPrinterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("UMOCKDEV_DIR") == nullptr && std::getenv("LD_PRELOAD") == nullptr) {
      GTEST_SKIP() << "run under umockdev-wrapper";
    }
    ASSERT_EQ(usb_.error(), "");
    usb_.SetBulkAnswer(Healthy);
  }

  Result<std::unique_ptr<UsbTransport>> Open() {
    auto devices = io::ListUsbDevices();
    if (!devices) return devices.error();
    auto found = FindUsbPrinter(*devices, std::nullopt);
    if (!found) return Error{ErrorKind::kNotFound, "no printer on the emulated bus"};
    EXPECT_EQ(found->device.DevNode(), kNode);
    return OpenUsbTransport(found->device, found->itf);
  }

  EmulatedUsb usb_{POSDIAG_SOURCE_DIR "/tests/umockdev/printer_usb.umockdev", kNode};
};

TEST_F(EmulatedPrinterTest, DeviceIdThroughLibusb) {
  usb_.SetControlReply(kGetDeviceId,
                       DeviceIdReply("MFG:EPSON;CMD:ESC/POS;MDL:TM-T20II;CLS:PRINTER;"));
  auto t = Open();
  ASSERT_TRUE(t) << t.error().detail;
  auto id = (*t)->DeviceId(io::Deadline::In(2s));
  ASSERT_TRUE(id) << id.error().detail;
  EXPECT_EQ(id->manufacturer, "EPSON");
  EXPECT_EQ(id->model, "TM-T20II");
  EXPECT_EQ(id->command_set, "ESC/POS");
  ASSERT_EQ(usb_.control_requests().size(), 1u);
  EXPECT_EQ(usb_.control_requests()[0], kGetDeviceId);

  // The status dialogue still runs over the bulk endpoints afterwards.
  const StatusReading r = QueryStatus(**t, io::Deadline::In(4s));
  EXPECT_TRUE(r.responds) << r.no_answer.detail;
  EXPECT_EQ(r.bytes_sent, 12u);
  EXPECT_EQ(r.bytes_received, 4u);
  EXPECT_EQ(usb_.bulk_out(), (std::vector<std::uint8_t>{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3,
                                                        0x10, 0x04, 4}));
}

TEST_F(EmulatedPrinterTest, AStalledDeviceIdIsAnErrorNotAModel) {
  auto t = Open();  // no reply set: the device stalls GET_DEVICE_ID
  ASSERT_TRUE(t) << t.error().detail;
  auto id = (*t)->DeviceId(io::Deadline::In(2s));
  ASSERT_FALSE(id);
  EXPECT_NE(id.error().detail.find("GET_DEVICE_ID"), std::string::npos) << id.error().detail;
}

TEST_F(EmulatedPrinterTest, AGarbledDeviceIdIsAParseError) {
  usb_.SetControlReply(kGetDeviceId, {0x7F, 0xFF, 'M', 'F', 'G'});  // length beyond the reply
  auto t = Open();
  ASSERT_TRUE(t) << t.error().detail;
  auto id = (*t)->DeviceId(io::Deadline::In(2s));
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().kind, ErrorKind::kParse) << id.error().detail;
}

TEST_F(EmulatedPrinterTest, AnInterfaceClaimedElsewhereIsBusyAndNothingIsSent) {
  usb_.SetClaimedElsewhere(true);
  auto t = Open();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, ErrorKind::kBusy) << t.error().detail;
  EXPECT_EQ(usb_.claims(), 1);
  EXPECT_TRUE(usb_.bulk_out().empty());
  EXPECT_TRUE(usb_.control_requests().empty());
}

TEST_F(EmulatedPrinterTest, ASilentPrinterTimesOutAndItsTransfersAreCancelled) {
  usb_.SetBulkAnswer([](const std::vector<std::uint8_t>&) { return std::vector<std::uint8_t>{}; });
  auto t = Open();
  ASSERT_TRUE(t) << t.error().detail;
  const auto start = std::chrono::steady_clock::now();
  const StatusReading r = QueryStatus(**t, io::Deadline::In(3s));
  EXPECT_FALSE(r.responds);
  EXPECT_FALSE(r.connection_lost) << r.no_answer.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

}  // namespace
}  // namespace posdiag::drivers::printer
