# The PostgreSQL audit store, its test server and its test; include()d by
# src/audit/CMakeLists.txt after medius_audit_core is defined. Paths are
# relative to this file, so it works from whichever list includes it.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

add_library(medius_audit_postgres ${CMAKE_CURRENT_LIST_DIR}/postgres_store.cc)
target_include_directories(medius_audit_postgres
  PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)
target_link_libraries(medius_audit_postgres
  PUBLIC medius_audit_core
  PRIVATE PkgConfig::LIBPQ absl::strings absl::cleanup)
medius_warnings(medius_audit_postgres)

# A private PostgreSQL server per test binary (initdb + pg_ctl): tests skip
# without the server binaries unless MEDIUS_REQUIRE_POSTGRES=1.
add_library(medius_audit_pg_testing
  ${CMAKE_CURRENT_LIST_DIR}/testing/postgres_server.cc)
target_include_directories(medius_audit_pg_testing
  PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)
target_link_libraries(medius_audit_pg_testing
  PUBLIC absl::status absl::statusor
  PRIVATE PkgConfig::LIBPQ absl::strings)
medius_warnings(medius_audit_pg_testing)

medius_test(postgres_store_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/postgres_store_test.cc
  LIBS medius_audit_postgres medius_audit_pg_testing)
