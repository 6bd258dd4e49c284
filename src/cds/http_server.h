// HttpServer: the CDS Hooks façade's own listener (medius-server
// --cds_listen), cpp-httplib from Debian (built with OpenSSL 3; Debian
// 12's civetweb cannot load OpenSSL 3 for TLS) serving a CdsHandler over
// HTTPS (TLS 1.2 or later, the same certificate and key as the gRPC port),
// or plain HTTP only where the operator said --insecure. Bodies over the
// size limit get 413 before they are read whole, so a client cannot make
// the server buffer more than that.
//
// Example:
//   auto server = HttpServer::Start(handler, {.listen = "0.0.0.0:8443",
//                                             .tls_cert = "server.crt",
//                                             .tls_key = "server.key"});
//   int port = (*server)->port();
//
// Thread-safety: the handler is called on the listener's worker threads
// (it is thread-safe); Start and the destructor from one thread.
#ifndef MEDIUS_CDS_HTTP_SERVER_H_
#define MEDIUS_CDS_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "cds/cds_handler.h"

namespace httplib {
class Server;
}

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
  // or the certificate and key do not load.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const CdsHandler& handler, HttpServerOptions options);
  ~HttpServer();  // stops listening and waits for calls in progress

  int port() const { return port_; }
  bool tls() const { return tls_; }

 private:
  HttpServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;  // runs the accept loop
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace medius::cds

#endif  // MEDIUS_CDS_HTTP_SERVER_H_
