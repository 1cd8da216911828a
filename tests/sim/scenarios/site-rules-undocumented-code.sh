# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# A site rule file that `posdiag rules check` rejects: one of its rules maps to a code (N7) that no
# [[code]] table documents. The run checks it the same way and leaves the whole file out — its
# other rule, which is valid and would fire on this healthy terminal, does not fire either — and
# lists it in the report's rule_errors. The built-in catalogue still applies: all clear.
SIM_DESCRIPTION="site rule file with an undocumented code: left out whole, terminal all clear"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULE_ERRORS="site-undocumented.toml: left out whole,maps to code 'N7'"
SIM_EXPECT_RULES=""

scenario() {
  local file=$DIR/site-undocumented.toml
  cat >"$file" <<'TOML'
# Both rules would fire on any terminal; the file is left out for the second one's code.
[[rule]]
id = "site.load_watch"
condition = 'system.load.per_cpu_1m >= 0'
code = "E1"
severity = "warning"
component = "system"
title = { zh-CN = "现场负载检查", en = "Site load check" }
remedy = { zh-CN = ["稍候再试"], en = ["Wait a moment"] }

[[rule]]
id = "site.drawer_code"
condition = 'system.load.per_cpu_1m >= 0'
code = "N7"
severity = "error"
component = "system"
title = { zh-CN = "现场代码", en = "Site code" }
remedy = { zh-CN = ["联系现场工程师"], en = ["Call the site engineer"] }
TOML
  config_append "
[rules]
files = [$(toml_string "$file")]"
}
