// fb2png: a file-backed framebuffer (the simulated terminal's /dev/fb0) as a PNG, for a person
// to look at what the display shows.
//   fb2png FRAMEBUFFER_FILE WIDTHxHEIGHTxBPP [LINE_LENGTH] OUT.png
#include <cstdio>
#include <string>

#include "drivers/display/framebuffer.h"
#include "tests/display/png_image.h"

int main(int argc, char** argv) {
  using namespace posdiag;
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: fb2png FRAMEBUFFER_FILE WIDTHxHEIGHTxBPP [LINE_LENGTH] OUT.png\n");
    return 64;
  }
  std::uint32_t line_length = 0;
  if (argc == 5) {
    try {
      line_length = static_cast<std::uint32_t>(std::stoul(argv[3]));
    } catch (const std::exception&) {
      std::fprintf(stderr, "fb2png: bad line length: %s\n", argv[3]);
      return 64;
    }
  }
  auto format = drivers::display::ParseGeometry(argv[2], line_length);
  if (!format) {
    std::fprintf(stderr, "fb2png: %s\n", format.error().detail.c_str());
    return 64;
  }
  if (auto check = drivers::display::CheckFormat(*format); !check) {
    std::fprintf(stderr, "fb2png: %s\n", check.error().detail.c_str());
    return 64;
  }
  auto image = posdiag::testing::ReadFramebufferFile(
      argv[1], static_cast<int>(format->width), static_cast<int>(format->height),
      static_cast<int>(format->bits_per_pixel), static_cast<int>(format->line_length));
  if (!image) {
    std::fprintf(stderr, "fb2png: %s\n", image.error().detail.c_str());
    return 1;
  }
  if (auto w = posdiag::testing::WritePng(argv[argc - 1], *image); !w) {
    std::fprintf(stderr, "fb2png: %s\n", w.error().detail.c_str());
    return 1;
  }
  return 0;
}
