// A client that vanishes mid-call at the transport level: it speaks just
// enough HTTP/2 (connection preface, SETTINGS, one HEADERS frame for
// Assess, part of a DATA frame) to leave a call half-sent, then resets the
// TCP connection. No gRPC library client can be made to do this.
#ifndef MEDIUS_TESTS_FAULT_RAW_HTTP2_H_
#define MEDIUS_TESTS_FAULT_RAW_HTTP2_H_

#include <string>
#include <utility>
#include <vector>

namespace medius::fault {

enum class CutAfter {
  kPreface,      // the connection preface and SETTINGS only
  kHeaders,      // the call's HEADERS, no message
  kHalfMessage,  // HEADERS and half of the length-prefixed message
  kFullMessage,  // the whole message, without END_STREAM, never read back
};

// Connects to 127.0.0.1:`port`, sends up to `cut` of an Assess call whose
// serialized request is `message`, and resets the connection. False if the
// connection could not be made.
bool HalfCallThenReset(int port, const std::string& message, CutAfter cut);

// Sends one whole call to `path` (HEADERS with the usual gRPC headers plus
// `extra_headers`, each name and value under 127 bytes, then the
// length-prefixed `message` with END_STREAM), reads what comes back for up
// to `read_ms`, and closes. Returns the bytes received (empty if the
// connection failed). For headers no gRPC client library would send.
std::string RawCall(
    int port, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& extra_headers,
    const std::string& message, int read_ms = 500);

// A client that never reads: opens a connection that advertises a zero
// flow-control window (so no response can be sent), starts `streams`
// Assess calls with `message` on it, and returns the open socket (the
// caller closes it), or -1. The responses pile up in the server unless its
// limits stop them.
int OpenNonReadingCalls(int port, const std::string& message, int streams);

// HTTP/2 rapid reset (CVE-2023-44487): on one connection, starts `streams`
// Assess calls with `message` and resets each (RST_STREAM CANCEL) right
// after sending it, in batches, for as long as the server keeps the
// connection open, from local address `source` (e.g. "127.0.0.2", to look
// like another host; null: any). Returns the number of streams sent.
int RapidReset(int port, const std::string& message, int streams,
               const char* source = nullptr);

}  // namespace medius::fault

#endif  // MEDIUS_TESTS_FAULT_RAW_HTTP2_H_
