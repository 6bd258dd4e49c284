#include "service/grpc_status.h"

#include <string>

#include "google/rpc/status.pb.h"
#include "grpcpp/support/error_details.h"

namespace medius::service {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  google::rpc::Status details;
  status.ForEachPayload(
      [&details](absl::string_view type_url, const absl::Cord& payload) {
        google::protobuf::Any* any = details.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(payload));
      });
  if (details.details().empty()) {
    return grpc::Status(code, std::string(status.message()));
  }
  details.set_code(static_cast<int>(code));
  details.set_message(std::string(status.message()));
  grpc::Status out;
  grpc::SetErrorDetails(details, &out);
  return out;
}

}  // namespace medius::service
