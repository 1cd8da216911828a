#include "tests/display/png_image.h"

#include <png.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

namespace posdiag::testing {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::uint8_t Expand(unsigned value, unsigned bits) {
  unsigned out = value << (8 - bits);
  out |= out >> bits;
  if (bits < 4) out |= out >> (2 * bits);
  return static_cast<std::uint8_t>(out & 0xFF);
}

}  // namespace

Result<Image> ReadFramebufferFile(const std::filesystem::path& path, int width, int height, int bpp,
                                  int line_length, int xoffset, int yoffset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorKind::kNotFound, path.string() + ": cannot open"};
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const int bytes_pp = bpp / 8;
  if (static_cast<std::size_t>(line_length) * static_cast<std::size_t>(yoffset + height) >
      bytes.size()) {
    return Error{ErrorKind::kInvalid, path.string() + ": shorter than its geometry"};
  }
  Image image{width, height, {}};
  image.rgb.reserve(static_cast<std::size_t>(width * height * 3));
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const auto* p =
          reinterpret_cast<const std::uint8_t*>(bytes.data()) +
          static_cast<std::size_t>(yoffset + y) * static_cast<std::size_t>(line_length) +
          static_cast<std::size_t>((xoffset + x) * bytes_pp);
      if (bpp == 16) {
        const unsigned v = p[0] | (p[1] << 8);
        image.rgb.push_back(Expand((v >> 11) & 0x1F, 5));
        image.rgb.push_back(Expand((v >> 5) & 0x3F, 6));
        image.rgb.push_back(Expand(v & 0x1F, 5));
      } else {
        image.rgb.push_back(p[2]);
        image.rgb.push_back(p[1]);
        image.rgb.push_back(p[0]);
      }
    }
  }
  return image;
}

Result<void> WritePng(const std::filesystem::path& path, const Image& image) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&png, path.c_str(), 0, image.rgb.data(), 0, nullptr)) {
    return Error{ErrorKind::kIo, path.string() + ": " + png.message};
  }
  return Ok();
}

Result<Image> ReadPng(const std::filesystem::path& path) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) {
    return Error{ErrorKind::kNotFound, path.string() + ": " + png.message};
  }
  png.format = PNG_FORMAT_RGB;
  Image image{static_cast<int>(png.width), static_cast<int>(png.height), {}};
  image.rgb.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, image.rgb.data(), 0, nullptr)) {
    return Error{ErrorKind::kParse, path.string() + ": " + png.message};
  }
  return image;
}

std::filesystem::path RenderedDir() {
  const std::filesystem::path dir(POSDIAG_DISPLAY_PNG_DIR);
  std::filesystem::create_directories(dir);
  return dir;
}

::testing::AssertionResult MatchesGolden(const std::string& name, const Image& image) {
  const auto rendered = RenderedDir() / (name + ".png");
  if (auto w = WritePng(rendered, image); !w) {
    return ::testing::AssertionFailure() << w.error().detail;
  }
  const auto golden = std::filesystem::path(POSDIAG_GOLDEN_DIR) / (name + ".png");
  const char* update = std::getenv("POSDIAG_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    if (auto w = WritePng(golden, image); !w) {
      return ::testing::AssertionFailure() << w.error().detail;
    }
    return ::testing::AssertionSuccess() << "golden rewritten: " << golden;
  }
  auto want = ReadPng(golden);
  if (!want) {
    return ::testing::AssertionFailure() << want.error().detail << " (see " << rendered
                                         << "; run with POSDIAG_UPDATE_GOLDEN=1 to accept it)";
  }
  if (want->width != image.width || want->height != image.height) {
    return ::testing::AssertionFailure() << name << ": " << image.width << "x" << image.height
                                         << ", golden " << want->width << "x" << want->height;
  }
  std::size_t differ = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < image.rgb.size(); i += 3) {
    if (image.rgb[i] != want->rgb[i] || image.rgb[i + 1] != want->rgb[i + 1] ||
        image.rgb[i + 2] != want->rgb[i + 2]) {
      if (differ++ == 0) first = i / 3;
    }
  }
  if (differ != 0) {
    const auto w = static_cast<std::size_t>(image.width);
    return ::testing::AssertionFailure()
           << name << ": " << differ << " pixels differ from " << golden << ", first at ("
           << first % w << "," << first / w << "); rendered: " << rendered
           << " (POSDIAG_UPDATE_GOLDEN=1 accepts it)";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace posdiag::testing
