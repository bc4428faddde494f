# Writes a C++ file that holds every file of a folder, for the binary to serve without
# reading the disk: cmake -DDIR=<folder> -DOUT=<file.cpp> -P scripts/embed_files.cmake
# The output defines gw::embedded_playground_files() (server/ops/playground_files.hpp).
# Run by the build (CMakeLists.txt) whenever a file of the folder changes.
file(GLOB names RELATIVE ${DIR} ${DIR}/*)
list(SORT names)
get_filename_component(folder ${DIR} NAME)
set(out "// Generated from ${folder}/ by scripts/embed_files.cmake: edit those files, not this one.\n")
string(APPEND out "#include \"server/ops/playground_files.hpp\"\n\nnamespace gw {\nnamespace {\n\n")
set(table "")
set(i 0)
foreach(name IN LISTS names)
  if(IS_DIRECTORY ${DIR}/${name})
    continue()
  endif()
  file(READ ${DIR}/${name} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # Every byte as \xNN (so no escape runs into the next character), 40 bytes a line.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  string(REPEAT "\\\\x.." 40 line)
  string(REGEX REPLACE "(${line})"
         "\\1\"\n    \"" escaped "${escaped}")
  string(APPEND out "constexpr char kFile${i}[] =\n    \"${escaped}\";\n\n")
  string(APPEND table "    {\"${name}\", {kFile${i}, ${size}}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND out "constexpr PlaygroundFile kFiles[] = {\n${table}};\n\n}  // namespace\n\n")
string(APPEND out "std::span<const PlaygroundFile> embedded_playground_files() { return kFiles; }\n\n")
string(APPEND out "}  // namespace gw\n")
# Rewritten only when different, so an unrelated change rebuilds nothing.
file(CONFIGURE OUTPUT ${OUT} CONTENT "${out}" @ONLY)
