// Status propagation macros. Debian's Abseil (20220623) ships neither
// ABSL_RETURN_IF_ERROR nor ABSL_ASSIGN_OR_RETURN, so the project keeps its
// own two.
//
// Example:
//   MEDIUS_RETURN_IF_ERROR(CheckHeader(text));
//   MEDIUS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
#ifndef MEDIUS_COMMON_STATUS_MACROS_H_
#define MEDIUS_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MEDIUS_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::absl::Status medius_status_ = (expr);          \
    if (!medius_status_.ok()) return medius_status_; \
  } while (false)

#define MEDIUS_STATUS_CONCAT_INNER_(a, b) a##b
#define MEDIUS_STATUS_CONCAT_(a, b) MEDIUS_STATUS_CONCAT_INNER_(a, b)

#define MEDIUS_ASSIGN_OR_RETURN(lhs, expr) \
  MEDIUS_ASSIGN_OR_RETURN_IMPL_(           \
      MEDIUS_STATUS_CONCAT_(medius_statusor_, __LINE__), lhs, expr)

#define MEDIUS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // MEDIUS_COMMON_STATUS_MACROS_H_
