// Transport security for medius-server: TLS with a server certificate,
// optional mutual TLS (client certificates required and verified against a
// CA bundle), or plaintext only when explicitly asked for.
//
// Example:
//   TransportOptions options{.cert_file = "server.pem", .key_file = "key.pem"};
//   absl::StatusOr<Transport> t = MakeTransport(options);
#ifndef MEDIUS_SERVER_TRANSPORT_H_
#define MEDIUS_SERVER_TRANSPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace medius::server {

struct TransportOptions {
  std::string cert_file;       // PEM server certificate chain
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM CA bundle; set = mutual TLS required
  bool insecure = false;       // plaintext, for local use only
};

struct Transport {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // One line for the start-up log, e.g. "TLS with client certificates".
  std::string description;
  bool plaintext = false;
};

// INVALID_ARGUMENT for a contradictory or incomplete choice (TLS files and
// --insecure together, a key without a certificate, a client CA without
// TLS, neither TLS nor --insecure); NOT_FOUND for an unreadable file.
absl::StatusOr<Transport> MakeTransport(const TransportOptions& options);

}  // namespace medius::server

#endif  // MEDIUS_SERVER_TRANSPORT_H_
