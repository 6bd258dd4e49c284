// HttpServer: the CDS Hooks façade's own listener (medius-server
// --cds_listen), civetweb from Debian serving a CdsHandler over HTTPS
// (TLS 1.2 or later, the same certificate and key as the gRPC port), or
// plain HTTP only where the operator said --insecure. Bodies over the
// handler's size limit are refused while being read, so a client cannot
// make the server buffer more than that.
//
// Example:
//   auto server = HttpServer::Start(handler, {.listen = "0.0.0.0:8443",
//                                             .tls_cert = "server.crt",
//                                             .tls_key = "server.key"});
//   int port = (*server)->port();
//
// Thread-safety: civetweb calls the handler on its worker threads (the
// handler is thread-safe); Start and the destructor from one thread.
#ifndef MEDIUS_CDS_HTTP_SERVER_H_
#define MEDIUS_CDS_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cds/cds_handler.h"

struct mg_context;
struct mg_connection;

namespace medius::cds {

struct HttpServerOptions {
  std::string listen;  // "host:port"; port 0 picks a free one
  // PEM files; both empty: plaintext (the caller has checked --insecure).
  std::string tls_cert;
  std::string tls_key;
  int threads = 8;
  size_t max_body_bytes = 1 << 20;
};

class HttpServer {
 public:
  // INVALID_ARGUMENT for a bad address, UNAVAILABLE when it cannot listen
  // or the certificate does not load (civetweb's reason in the message).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const CdsHandler& handler, HttpServerOptions options);
  ~HttpServer();  // stops listening and waits for calls in progress

  int port() const { return port_; }
  bool tls() const { return tls_; }

 private:
  HttpServer(const CdsHandler& handler, size_t max_body_bytes)
      : handler_(handler), max_body_bytes_(max_body_bytes) {}
  static int OnRequest(::mg_connection* conn, void* self);

  const CdsHandler& handler_;
  const size_t max_body_bytes_;
  mg_context* context_ = nullptr;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace medius::cds

#endif  // MEDIUS_CDS_HTTP_SERVER_H_
