#include "server/health_port.h"

namespace medius::server {

grpc::ServerUnaryReactor* HealthCheckService::Check(
    grpc::CallbackServerContext* context,
    const grpc::health::v1::HealthCheckRequest* request,
    grpc::health::v1::HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!request->service().empty() && request->service() != service_name_) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
    return reactor;
  }
  response->set_status(
      state_.serving() ? grpc::health::v1::HealthCheckResponse::SERVING
                       : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

std::unique_ptr<grpc::Server> StartHealthServer(const std::string& address,
                                                HealthCheckService* service,
                                                int* port,
                                                const ServerLimits& limits) {
  grpc::ServerBuilder builder;
  ApplyServerLimits(limits, builder);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || *port == 0) {
    *port = 0;
    return nullptr;
  }
  return server;
}

}  // namespace medius::server
