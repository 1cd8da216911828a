# shellcheck shell=bash disable=SC2034  # sourced by posdiag-sim, which reads the SIM_ variables
# Two site rule files define the same rule id. `posdiag rules check` calls it a duplicate, and the
# run checks the files the same way: the first file applies (its info finding shows), the second
# is left out whole and listed in the report's rule_errors — neither its error-severity copy of
# the rule nor its other rule fires.
SIM_DESCRIPTION="two site rule files defining one rule id: the later file is left out whole"
SIM_EXPECT_EXIT=0
SIM_EXPECT_RULE_ERRORS="site-b.toml: left out whole,duplicate rule id 'site.load_watch'"
SIM_EXPECT_RULES="site.load_watch"
SIM_EXPECT_CODES="E1"

scenario() {
  local first=$DIR/site-a.toml second=$DIR/site-b.toml
  cat >"$first" <<'TOML'
[[rule]]
id = "site.load_watch"
condition = 'system.load.per_cpu_1m >= 0'
code = "E1"
severity = "info"
component = "system"
title = { zh-CN = "现场负载检查", en = "Site load check" }
remedy = { zh-CN = ["无需处理"], en = ["Nothing to do"] }
TOML
  cat >"$second" <<'TOML'
[[rule]]
id = "site.load_watch"
condition = 'system.load.per_cpu_1m >= 0'
code = "E1"
severity = "error"
component = "system"
title = { zh-CN = "现场负载检查（重复）", en = "Site load check (duplicate)" }
remedy = { zh-CN = ["稍候再试"], en = ["Wait a moment"] }

[[rule]]
id = "site.load_extra"
condition = 'system.load.per_cpu_1m >= 0'
code = "E1"
severity = "warning"
component = "system"
title = { zh-CN = "现场附加检查", en = "Site extra check" }
remedy = { zh-CN = ["稍候再试"], en = ["Wait a moment"] }
TOML
  config_append "
[rules]
files = [$(toml_string "$first"), $(toml_string "$second")]"
}
