#include "drivers/printer/usb_transport.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace posdiag::drivers::printer {
namespace {

std::vector<std::uint8_t> WithLength(const std::string& text, bool little = false) {
  const std::size_t n = text.size() + 2;
  std::vector<std::uint8_t> out;
  if (little) {
    out = {static_cast<std::uint8_t>(n & 0xFF), static_cast<std::uint8_t>(n >> 8)};
  } else {
    out = {static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 0xFF)};
  }
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

TEST(Ieee1284Id, EpsonStyle) {
  auto id = ParseIeee1284Id(
      WithLength("MFG:EPSON;CMD:ESC/POS;MDL:TM-T20II;CLS:PRINTER;DES:EPSON TM-T20II;"));
  ASSERT_TRUE(id) << id.error().detail;
  EXPECT_EQ(id->manufacturer, "EPSON");
  EXPECT_EQ(id->model, "TM-T20II");
  EXPECT_EQ(id->command_set, "ESC/POS");
  EXPECT_EQ(id->description, "EPSON TM-T20II");
  ASSERT_EQ(id->fields.size(), 5u);
  EXPECT_EQ(id->fields[3].first, "CLS");
  EXPECT_FALSE(id->length_little_endian);
}

TEST(Ieee1284Id, LongKeysAnyCaseAndSpaces) {
  auto id =
      ParseIeee1284Id(WithLength(" manufacturer : Star ; Model:TSP143;COMMAND SET:STAR,ESC/POS; "));
  ASSERT_TRUE(id) << id.error().detail;
  EXPECT_EQ(id->manufacturer, "Star");
  EXPECT_EQ(id->model, "TSP143");
  EXPECT_EQ(id->command_set, "STAR,ESC/POS");
  EXPECT_FALSE(id->description);
}

TEST(Ieee1284Id, LengthBoundsTheText) {
  // Bytes after the stated length (the rest of the transfer buffer) are not part of the ID.
  auto bytes = WithLength("MFG:A;MDL:B;");
  const std::string junk = "MDL:NOT-THIS;";
  bytes.insert(bytes.end(), junk.begin(), junk.end());
  auto id = ParseIeee1284Id(bytes);
  ASSERT_TRUE(id) << id.error().detail;
  EXPECT_EQ(id->model, "B");
  EXPECT_EQ(id->fields.size(), 2u);
}

TEST(Ieee1284Id, LittleEndianLengthIsAccepted) {
  auto id = ParseIeee1284Id(WithLength("MFG:X;MDL:Y;", /*little=*/true));
  ASSERT_TRUE(id) << id.error().detail;
  EXPECT_TRUE(id->length_little_endian);
  EXPECT_EQ(id->model, "Y");
}

TEST(Ieee1284Id, NonPrintableBytesAreReplaced) {
  auto id =
      ParseIeee1284Id(WithLength(std::string("MFG:A\x01\xFF"
                                             "B;MDL:C;",
                                             14)));
  ASSERT_TRUE(id) << id.error().detail;
  EXPECT_EQ(id->manufacturer, "A??B");
}

TEST(Ieee1284Id, FirstOccurrenceWins) {
  auto id = ParseIeee1284Id(WithLength("MDL:first;MODEL:second;"));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->model, "first");
}

TEST(Ieee1284Id, Refusals) {
  EXPECT_EQ(ParseIeee1284Id({}).error().kind, ErrorKind::kParse);
  const std::vector<std::uint8_t> one{0x00};
  EXPECT_EQ(ParseIeee1284Id(one).error().kind, ErrorKind::kParse);
  // A length that fits neither byte order.
  const std::vector<std::uint8_t> too_long{0x01, 0x02, 'M', 'F', 'G', ':', 'A'};
  EXPECT_EQ(ParseIeee1284Id(too_long).error().kind, ErrorKind::kParse);
  // No KEY:value field.
  EXPECT_EQ(ParseIeee1284Id(WithLength("garbage;more")).error().kind, ErrorKind::kParse);
  const std::vector<std::uint8_t> empty{0x00, 0x02};
  EXPECT_EQ(ParseIeee1284Id(empty).error().kind, ErrorKind::kParse);
}

io::UsbInterface Itf(std::uint8_t number, std::uint8_t cls, std::uint8_t sub,
                     std::vector<io::UsbEndpoint> eps) {
  io::UsbInterface i;
  i.number = number;
  i.interface_class = cls;
  i.subclass = sub;
  i.endpoints = std::move(eps);
  return i;
}

TEST(FindUsbPrinter, ByClassOrById) {
  const io::UsbEndpoint out{0x03, 2, 64}, in{0x84, 2, 64};
  io::UsbDeviceInfo hub;
  hub.vid = 0x1d6b;
  hub.pid = 0x0002;
  hub.interfaces = {Itf(0, 0x09, 0, {})};
  io::UsbDeviceInfo vendor;
  vendor.vid = 0x0416;
  vendor.pid = 0x5011;
  vendor.interfaces = {Itf(0, 0xFF, 0, {}), Itf(1, 0xFF, 0xFF, {in, out})};
  io::UsbDeviceInfo epson;
  epson.vid = 0x04b8;
  epson.pid = 0x0202;
  epson.interfaces = {Itf(0, kPrinterClass, kPrinterSubclass, {out, in})};
  const std::vector<io::UsbDeviceInfo> bus{hub, vendor, epson};

  auto by_class = FindUsbPrinter(bus, std::nullopt);
  ASSERT_TRUE(by_class);
  EXPECT_EQ(by_class->device.vid, 0x04b8);
  EXPECT_EQ(by_class->itf.number, 0);

  auto by_id = FindUsbPrinter(bus, std::make_pair<std::uint16_t, std::uint16_t>(0x0416, 0x5011));
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->device.pid, 0x5011);
  EXPECT_EQ(by_id->itf.number, 1);  // the first with a bulk OUT endpoint

  EXPECT_FALSE(FindUsbPrinter(bus, std::make_pair<std::uint16_t, std::uint16_t>(1, 2)));
  EXPECT_FALSE(FindUsbPrinter({hub, vendor}, std::nullopt));
}

}  // namespace
}  // namespace posdiag::drivers::printer
