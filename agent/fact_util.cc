#include "agent/fact_util.h"

namespace posdiag::agent::probes {

std::string FactSegment(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
      out += c;
    } else {
      out += '_';
    }
  }
  return out.empty() ? "_" : out;
}

}  // namespace posdiag::agent::probes
