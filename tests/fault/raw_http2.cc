#include "fault/raw_http2.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>

namespace medius::fault {
namespace {

void AppendFrame(std::string* out, uint8_t type, uint8_t flags, uint32_t stream,
                 const std::string& payload) {
  const uint32_t n = static_cast<uint32_t>(payload.size());
  out->push_back(static_cast<char>((n >> 16) & 0xFF));
  out->push_back(static_cast<char>((n >> 8) & 0xFF));
  out->push_back(static_cast<char>(n & 0xFF));
  out->push_back(static_cast<char>(type));
  out->push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((stream >> shift) & 0x7F));
  }
  out->append(payload);
}

// HPACK "literal header field without indexing" with a static-table name
// index (< 15) or a new name (index 0); values shorter than 127 bytes.
void AppendHeader(std::string* block, int name_index, const std::string& name,
                  const std::string& value) {
  block->push_back(static_cast<char>(name_index));
  if (name_index == 0) {
    block->push_back(static_cast<char>(name.size()));
    block->append(name);
  }
  block->push_back(static_cast<char>(value.size()));
  block->append(value);
}

// gRPC's length-prefixed message: flag byte 0 (not compressed), 4-byte
// big-endian length, then the bytes.
std::string GrpcMessage(const std::string& message) {
  std::string framed(1, '\0');
  const uint32_t n = static_cast<uint32_t>(message.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    framed.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  return framed + message;
}

// The HEADERS block of a call to `path`, plus `extra` headers.
std::string CallHeaders(
    const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  std::string headers;
  headers.push_back(static_cast<char>(0x83));  // :method POST (indexed)
  headers.push_back(static_cast<char>(0x86));  // :scheme http (indexed)
  AppendHeader(&headers, 4, "", path);
  AppendHeader(&headers, 1, "", "127.0.0.1");
  AppendHeader(&headers, 0, "content-type", "application/grpc");
  AppendHeader(&headers, 0, "te", "trailers");
  for (const auto& [name, value] : extra)
    AppendHeader(&headers, 0, name, value);
  return headers;
}

constexpr char kAssessPath[] = "/medius.v1.AssessmentService/Assess";

std::string Bytes(const std::string& message, CutAfter cut) {
  std::string out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  AppendFrame(&out, /*SETTINGS*/ 0x4, 0, 0, "");
  if (cut == CutAfter::kPreface) return out;
  AppendFrame(&out, /*HEADERS*/ 0x1, /*END_HEADERS*/ 0x4, 1,
              CallHeaders(kAssessPath));
  if (cut == CutAfter::kHeaders) return out;
  std::string framed = GrpcMessage(message);
  // Half: the prefix announces the whole message, half of it follows.
  if (cut == CutAfter::kHalfMessage) framed.resize(5 + message.size() / 2);
  AppendFrame(&out, /*DATA*/ 0x0, 0, 1, framed);
  return out;
}

// `source`: the local address to connect from (another loopback address
// looks like another client host), or null.
int Connect(int port, const char* source = nullptr) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  if (source != nullptr) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source, &local.sin_addr);
    if (bind(s, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      close(s);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(s);
    return -1;
  }
  return s;
}

}  // namespace

std::string RawCall(
    int port, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& extra_headers,
    const std::string& message, int read_ms) {
  std::string out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  AppendFrame(&out, /*SETTINGS*/ 0x4, 0, 0, "");
  AppendFrame(&out, /*HEADERS*/ 0x1, /*END_HEADERS*/ 0x4, 1,
              CallHeaders(path, extra_headers));
  AppendFrame(&out, /*DATA*/ 0x0, /*END_STREAM*/ 0x1, 1, GrpcMessage(message));

  int s = Connect(port);
  if (s < 0) return "";
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t k = send(s, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (k <= 0) break;
    sent += static_cast<size_t>(k);
  }
  timeval timeout{read_ms / 1000, (read_ms % 1000) * 1000};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string received;
  char buffer[4096];
  ssize_t k;
  while ((k = recv(s, buffer, sizeof buffer, 0)) > 0)
    received.append(buffer, k);
  close(s);
  return received;
}

int OpenNonReadingCalls(int port, const std::string& message, int streams) {
  std::string out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  // SETTINGS_INITIAL_WINDOW_SIZE (0x4) = 0: the server may send headers but
  // no DATA on any stream.
  AppendFrame(&out, /*SETTINGS*/ 0x4, 0, 0, std::string("\x00\x04\0\0\0\0", 6));
  const std::string grpc_message = GrpcMessage(message);
  const std::string headers = CallHeaders(kAssessPath);
  for (int i = 0; i < streams; ++i) {
    const uint32_t stream = 2 * static_cast<uint32_t>(i) + 1;
    AppendFrame(&out, /*HEADERS*/ 0x1, /*END_HEADERS*/ 0x4, stream, headers);
    AppendFrame(&out, /*DATA*/ 0x0, /*END_STREAM*/ 0x1, stream, grpc_message);
  }
  int s = Connect(port);
  if (s < 0) return -1;
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t k = send(s, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (k <= 0) break;
    sent += static_cast<size_t>(k);
  }
  return s;
}

int RapidReset(int port, const std::string& message, int streams,
               const char* source) {
  int s = Connect(port, source);
  if (s < 0) return 0;
  std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  AppendFrame(&preface, /*SETTINGS*/ 0x4, 0, 0, "");
  if (send(s, preface.data(), preface.size(), MSG_NOSIGNAL) <= 0) {
    close(s);
    return 0;
  }
  const std::string grpc_message = GrpcMessage(message);
  const std::string headers = CallHeaders(kAssessPath);
  const std::string cancel("\0\0\0\x08", 4);  // error code CANCEL
  // Discard whatever the server sends so its writes never block it.
  timeval no_wait{0, 1};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &no_wait, sizeof no_wait);
  char sink[65536];
  int sent = 0;
  while (sent < streams) {
    std::string batch;
    for (int i = 0; i < 100 && sent < streams; ++i, ++sent) {
      const uint32_t stream = 2 * static_cast<uint32_t>(sent) + 1;
      AppendFrame(&batch, /*HEADERS*/ 0x1, /*END_HEADERS*/ 0x4, stream,
                  headers);
      AppendFrame(&batch, /*DATA*/ 0x0, /*END_STREAM*/ 0x1, stream,
                  grpc_message);
      AppendFrame(&batch, /*RST_STREAM*/ 0x3, 0, stream, cancel);
    }
    size_t off = 0;
    while (off < batch.size()) {
      ssize_t k = send(s, batch.data() + off, batch.size() - off, MSG_NOSIGNAL);
      if (k <= 0) {
        close(s);
        return sent;
      }
      off += static_cast<size_t>(k);
    }
    while (recv(s, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
  }
  close(s);
  return sent;
}

bool HalfCallThenReset(int port, const std::string& message, CutAfter cut) {
  int s = Connect(port);
  if (s < 0) return false;
  const std::string bytes = Bytes(message, cut);
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(s, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  // Linger 0: close() sends RST, as a crashed or unplugged client would.
  linger reset{1, 0};
  setsockopt(s, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close(s);
  return sent == bytes.size();
}

}  // namespace medius::fault
