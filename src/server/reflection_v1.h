// gRPC server reflection v1 (grpc.reflection.v1.ServerReflection), served
// from the generated descriptor pool. Debian's grpc++_reflection (1.51)
// serves only v1alpha; grpcurl, buf curl and Postman ask for v1 first.
// Both are registered when --reflection is set.
//
// Thread-safe: the service holds only a constant list of service names;
// each stream has its own reactor.
//
// Example:
//   medius::server::ReflectionV1Service reflection(
//       {"medius.v1.AssessmentService", "grpc.health.v1.Health"});
//   builder.RegisterService(&reflection);
#ifndef MEDIUS_SERVER_REFLECTION_V1_H_
#define MEDIUS_SERVER_REFLECTION_V1_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace medius::server {

// One answer to one request: a file (with everything it imports, as the
// protocol's clients expect, each once), the extension numbers of a type,
// the service list, or an error (NOT_FOUND for an unknown name,
// INVALID_ARGUMENT for an empty request). Pure.
grpc::reflection::v1::ServerReflectionResponse AnswerReflection(
    const google::protobuf::DescriptorPool& pool,
    const std::vector<std::string>& services,
    const grpc::reflection::v1::ServerReflectionRequest& request);

class ReflectionV1Service final
    : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  // `services`: the fully qualified names list_services answers with.
  explicit ReflectionV1Service(std::vector<std::string> services);

  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  const std::vector<std::string> services_;
};

}  // namespace medius::server

#endif  // MEDIUS_SERVER_REFLECTION_V1_H_
