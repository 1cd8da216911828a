#include "agent/handoff/slip_content.h"

#include <string>

#include "agent/sinks/text_report.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/time_format.h"

namespace posdiag::agent::handoff {

drivers::printer::SlipContent SlipFor(const Report& report, rules::Lang lang,
                                      std::string_view terminal_id) {
  const bool zh = lang == rules::Lang::kZhCn;
  drivers::printer::SlipContent c;
  c.chinese = zh;
  c.title = zh ? "终端诊断单" : "Terminal diagnosis";
  c.fields = {{zh ? "时间：" : "Time: ", FormatLocalTime(report.started_at)},
              {zh ? "终端：" : "Terminal: ", DisplayText(terminal_id)},
              {zh ? "报告编号：" : "Report ID: ", DisplayText(report.report_id)},
              {zh ? "状态：" : "Status: ", std::string(StatusWord(report.status, lang))}};
  for (const rules::Finding* f : BySeverity(report.evaluation.findings)) {
    const auto& steps = f->remedy.In(lang);
    c.findings.push_back({DisplayText(f->code), DisplayText(f->title.In(lang)),
                          steps.empty() ? std::string() : DisplayText(steps.front())});
  }
  if (report.evaluation.findings.empty()) {
    c.footer = zh ? "未发现故障。" : "No faults found.";
  }
  if (!report.handoff.empty()) {
    c.footer +=
        zh ? "扫描二维码，把诊断结果交给客服。" : "Scan the code to hand the diagnosis to support.";
    c.qr = report.handoff;
  }
  return c;
}

}  // namespace posdiag::agent::handoff
