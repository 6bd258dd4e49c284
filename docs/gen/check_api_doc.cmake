# api_doc_test: writes the API reference into the build tree and fails, with
# the difference and how to fix it, when docs/API.md is not the same.
#
#   cmake -DGENERATED=... -DCOMMITTED=... -DBUILD_DIR=... \
#     -P check_api_doc.cmake -- GENERATOR ARGS...
#
# The generator and its arguments come after "--", so that the arguments are
# written once, in docs/gen/CMakeLists.txt, for this test and target api_doc.
set(command "")
set(after_separator FALSE)
foreach(i RANGE ${CMAKE_ARGC})
  if(i EQUAL CMAKE_ARGC)
    break()
  endif()
  set(arg "${CMAKE_ARGV${i}}")
  if(after_separator)
    list(APPEND command "${arg}")
  elseif(arg STREQUAL "--")
    set(after_separator TRUE)
  endif()
endforeach()

execute_process(COMMAND ${command} "--out=${GENERATED}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "medius_api_doc failed (${status}); see its errors above")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${COMMITTED}" "${GENERATED}"
  RESULT_VARIABLE differs)
if(differs)
  find_program(DIFF diff)
  if(DIFF)
    execute_process(COMMAND ${DIFF} -u "${COMMITTED}" "${GENERATED}")
  endif()
  message(FATAL_ERROR
    "docs/API.md is out of date: the .proto files now generate ${GENERATED}"
    " (the diff above is what would change). Regenerate it and commit it:\n"
    "  cmake --build ${BUILD_DIR} --target api_doc")
endif()
