# Writes a C++ source holding every rule file as a raw string literal (cmake -P script).
#   -DOUTPUT=<file.cc> -DSOURCE_DIR=<project source dir> -DFILES=<a|b|c> (absolute paths)
# Each literal gets a delimiter that does not occur in its file, so no content can end it early.
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" FILES "${FILES}")
set(entries "")
set(count 0)
foreach(file IN LISTS FILES)
  file(READ "${file}" content)
  set(delimiter "rule")
  set(n 0)
  string(FIND "${content}" ")${delimiter}\"" clash)
  while(NOT clash EQUAL -1)
    math(EXPR n "${n} + 1")
    set(delimiter "rule${n}")
    string(FIND "${content}" ")${delimiter}\"" clash)
  endwhile()
  file(RELATIVE_PATH name "${SOURCE_DIR}" "${file}")
  string(APPEND entries "    {\"${name}\",\n     R\"${delimiter}(${content})${delimiter}\"},\n")
  math(EXPR count "${count} + 1")
endforeach()

if(count EQUAL 0)
  set(init "{}")
else()
  set(init "{{\n${entries}}}")
endif()

set(text "// Generated from rules/catalog/*.toml at build time; edit those files, not this one.
#include <array>

#include \"rules/loader/embedded_catalog.h\"

namespace posdiag::rules::internal {

std::span<const EmbeddedRuleFile> EmbeddedRuleFiles() {
  static constexpr std::array<EmbeddedRuleFile, ${count}> kFiles = ${init};
  return kFiles;
}

}  // namespace posdiag::rules::internal
")

# Rewrite only on change so an unrelated rebuild does not recompile the library.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${text}")
