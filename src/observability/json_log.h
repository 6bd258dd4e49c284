// JsonRpcLog: one structured JSON line per RPC (time, method, status code,
// latency, client, assessment id, knowledge-base version, red-flag codes)
// and nothing about the patient: no age, no findings, and the encounter id
// only as a keyed hash (HMAC-SHA256, first 16 hex digits), so support can
// match calls of one encounter without the log revealing it.
//
// Thread-safety: OnRpc and Event may be called concurrently; lines never
// interleave.
#ifndef MEDIUS_OBSERVABILITY_JSON_LOG_H_
#define MEDIUS_OBSERVABILITY_JSON_LOG_H_

#include <ostream>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/rpc_observer.h"

namespace medius::observability {

class JsonRpcLog : public service::RpcObserver {
 public:
  // `hash_key`: secret for the encounter hash (use the same key across
  // restarts to correlate; a random one otherwise). `out` must outlive this.
  JsonRpcLog(std::ostream& out, std::string hash_key);
  void OnRpc(const service::RpcRecord& record) override;

  // The JSON line for `record` (without the newline); public for tests.
  std::string Format(const service::RpcRecord& record) const;

  // One {"time","event","level","message"[,"source"]} line on the same
  // stream, so start-up warnings and gRPC's own messages cannot interleave
  // with or imitate an rpc line: every string is escaped.
  void Event(const std::string& event, const std::string& level,
             const std::string& message, const std::string& source = "");

 private:
  std::ostream& out_;
  const std::string hash_key_;
  absl::Mutex mu_;
};

// HMAC-SHA256(key, value) as 16 hex digits.
std::string KeyedHash(const std::string& key, const std::string& value);

// Escapes a string for a JSON string literal. Control characters and
// every byte from 0x80 are written as \u00XX, so the line is valid JSON
// (and ASCII) whatever bytes a client sent.
std::string JsonEscape(const std::string& s);

}  // namespace medius::observability

#endif  // MEDIUS_OBSERVABILITY_JSON_LOG_H_
