#include "server/grpc_log.h"

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpc/support/log.h"

namespace medius::server {
namespace {

std::atomic<observability::JsonRpcLog*> g_log{nullptr};

const char* Level(gpr_log_severity severity) {
  switch (severity) {
    case GPR_LOG_SEVERITY_DEBUG:
      return "debug";
    case GPR_LOG_SEVERITY_INFO:
      return "info";
    case GPR_LOG_SEVERITY_ERROR:
      return "error";
  }
  return "error";
}

void Sink(gpr_log_func_args* args) {
  observability::JsonRpcLog* log = g_log.load(std::memory_order_acquire);
  if (log == nullptr || args == nullptr) return;
  log->Event(
      "grpc", Level(args->severity),
      args->message == nullptr ? "" : args->message,
      absl::StrCat(args->file == nullptr ? "?" : args->file, ":", args->line));
}

}  // namespace

void RouteGrpcLogs(observability::JsonRpcLog* log) {
  g_log.store(log, std::memory_order_release);
  gpr_set_log_function(Sink);
}

}  // namespace medius::server
