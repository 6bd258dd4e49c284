#include "server/transport.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpcpp/security/server_credentials.h"

namespace medius::server {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    const std::string& what) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", what, " ", path));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  if (contents.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, " is not a PEM file"));
  }
  return contents.str();
}

}  // namespace

absl::StatusOr<Transport> MakeTransport(const TransportOptions& options) {
  const bool tls = !options.cert_file.empty() || !options.key_file.empty();
  if (options.insecure) {
    if (tls || !options.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--insecure cannot be combined with TLS files");
    }
    return Transport{grpc::InsecureServerCredentials(),
                     "PLAINTEXT (--insecure): no encryption, no client "
                     "certificates; use only on a trusted host",
                     true};
  }
  if (!tls) {
    return absl::InvalidArgumentError(
        "refusing to serve without transport security: give --tls_cert_file "
        "and --tls_key_file (and --tls_client_ca_file for mutual TLS), or "
        "--insecure for local plaintext use");
  }
  if (options.cert_file.empty() || options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both --tls_cert_file and --tls_key_file");
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  MEDIUS_ASSIGN_OR_RETURN(pair.private_key,
                          ReadPem(options.key_file, "TLS private key"));
  MEDIUS_ASSIGN_OR_RETURN(pair.cert_chain,
                          ReadPem(options.cert_file, "TLS certificate"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  std::string description = "TLS";
  if (!options.client_ca_file.empty()) {
    MEDIUS_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(options.client_ca_file,
                                                        "client CA bundle"));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    description = "mutual TLS (client certificates required and verified)";
  } else {
    ssl.client_certificate_request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  }
  return Transport{grpc::SslServerCredentials(ssl), description, false};
}

}  // namespace medius::server
