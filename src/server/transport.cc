#include "server/transport.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>
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

// gRPC only parses the PEM files when the port is bound, and then fails
// with a bare "cannot listen": check them here so a bad key is a
// configuration error (exit 2) that says what is wrong.
absl::Status CheckKeyPair(const std::string& cert_pem,
                          const std::string& key_pem,
                          const TransportOptions& options) {
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(
      BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())),
      BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS certificate ", options.cert_file,
                     " holds no readable certificate"));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())),
      BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr),
      EVP_PKEY_free);
  if (key == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("TLS private key ", options.key_file,
                     " holds no readable (unencrypted) private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS private key ", options.key_file,
        " does not belong to the certificate ", options.cert_file));
  }
  return absl::OkStatus();
}

absl::Status CheckCaBundle(const std::string& pem, const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (cert == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "client CA bundle ", path, " holds no readable certificate"));
  }
  return absl::OkStatus();
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
  MEDIUS_RETURN_IF_ERROR(
      CheckKeyPair(pair.cert_chain, pair.private_key, options));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  std::string description = "TLS";
  if (!options.client_ca_file.empty()) {
    MEDIUS_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(options.client_ca_file,
                                                        "client CA bundle"));
    MEDIUS_RETURN_IF_ERROR(
        CheckCaBundle(ssl.pem_root_certs, options.client_ca_file));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    description = "mutual TLS (client certificates required and verified)";
  } else {
    ssl.client_certificate_request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  }
  return Transport{grpc::SslServerCredentials(ssl), description, false};
}

}  // namespace medius::server
