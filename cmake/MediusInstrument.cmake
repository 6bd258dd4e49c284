# Adds compile and link options to every library and executable defined so
# far in `dir` and the directories below it. The sanitizer and fuzz builds
# use it to instrument the whole project from the end of the top-level
# CMakeLists.txt, without touching each directory's own file.
#
#   medius_instrument_targets(DIR ${PROJECT_SOURCE_DIR}
#     COMPILE -fsanitize=address LINK -fsanitize=address)
function(medius_instrument_targets)
  cmake_parse_arguments(I "" "DIR" "COMPILE;LINK" ${ARGN})
  get_property(targets DIRECTORY ${I_DIR} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
      target_compile_options(${target} PRIVATE ${I_COMPILE})
      target_link_options(${target} PRIVATE ${I_LINK})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${I_DIR} PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    medius_instrument_targets(DIR ${subdir} COMPILE ${I_COMPILE} LINK ${I_LINK})
  endforeach()
endfunction()
