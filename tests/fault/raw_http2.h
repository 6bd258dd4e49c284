// A client that vanishes mid-call at the transport level: it speaks just
// enough HTTP/2 (connection preface, SETTINGS, one HEADERS frame for
// Assess, part of a DATA frame) to leave a call half-sent, then resets the
// TCP connection. No gRPC library client can be made to do this.
#ifndef MEDIUS_TESTS_FAULT_RAW_HTTP2_H_
#define MEDIUS_TESTS_FAULT_RAW_HTTP2_H_

#include <string>

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

}  // namespace medius::fault

#endif  // MEDIUS_TESTS_FAULT_RAW_HTTP2_H_
