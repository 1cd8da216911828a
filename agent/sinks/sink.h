// Outputs are sinks on one small interface. A sink must not throw: it returns an Error, the
// agent logs it, records it in the report and still hands the report to the other sinks.
// Example:
//   class StdoutSink : public Sink {
//     std::string_view Name() const override { return "stdout"; }
//     Result<void> Write(const Report& r) override {
//       return std::fputs(Render(r).c_str(), stdout) >= 0 ? Ok() : Error{ErrorKind::kIo, "stdout"};
//     }
//   };
#pragma once

#include <string_view>

#include "agent/report.h"
#include "drivers/base/result.h"

namespace posdiag::agent {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual std::string_view Name() const = 0;
  virtual Result<void> Write(const Report& report) = 0;
};

}  // namespace posdiag::agent
