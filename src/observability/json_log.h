// JsonRpcLog: one structured JSON line per RPC (time, method, status code,
// latency, client, assessment id, knowledge-base version, red-flag codes)
// and nothing about the patient: no age, no findings, and the encounter id
// only as a keyed hash (HMAC-SHA256, first 16 hex digits), so support can
// match calls of one encounter without the log revealing it.
//
// Off the request path: lines are formatted by the caller (the HMAC key
// prepared once, the time's second formatted once per second) and written
// by a LineWriter thread; a full queue drops lines, counts them and says
// so in the log.
//
// Thread-safety: OnRpc and Event may be called concurrently; lines never
// interleave.
#ifndef MEDIUS_OBSERVABILITY_JSON_LOG_H_
#define MEDIUS_OBSERVABILITY_JSON_LOG_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "app/call_observer.h"
#include "observability/line_writer.h"

namespace medius::observability {

// HMAC-SHA256 with a fixed key, the key schedule done once.
class KeyedHasher {
 public:
  explicit KeyedHasher(const std::string& key);
  ~KeyedHasher();
  KeyedHasher(const KeyedHasher&) = delete;
  KeyedHasher& operator=(const KeyedHasher&) = delete;
  // HMAC-SHA256(key, value) as 16 hex digits. Thread-safe.
  std::string Hash(absl::string_view value) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class JsonRpcLog : public app::CallObserver {
 public:
  // `hash_key`: secret for the encounter hash (use the same key across
  // restarts to correlate; a random one otherwise). `out` must outlive this.
  JsonRpcLog(std::ostream& out, std::string hash_key);
  void OnCall(const app::CallRecord& record) override;

  // The JSON line for `record` (without the newline); public for tests.
  std::string Format(const app::CallRecord& record) const;

  // One {"time","event","level","message"[,"source"]} line on the same
  // stream, so start-up warnings and gRPC's own messages cannot interleave
  // with or imitate an rpc line: every string is escaped. An "error" line
  // is written and flushed before this returns.
  void Event(const std::string& event, const std::string& level,
             const std::string& message, const std::string& source = "");

  // Waits until every line so far is written (tests).
  void Flush() { writer_.Flush(); }
  // Lines dropped because the writer could not keep up.
  uint64_t dropped() const { return writer_.dropped(); }

 private:
  const KeyedHasher hasher_;
  LineWriter writer_;
};

// HMAC-SHA256(key, value) as 16 hex digits (KeyedHasher, once).
std::string KeyedHash(const std::string& key, const std::string& value);

// The time as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC); the part up to the second
// is formatted once per second and thread.
std::string LogTime(absl::Time t);

// Escapes a string for a JSON string literal. Control characters and
// every byte from 0x80 are written as \u00XX, so the line is valid JSON
// (and ASCII) whatever bytes a client sent.
std::string JsonEscape(const std::string& s);

}  // namespace medius::observability

#endif  // MEDIUS_OBSERVABILITY_JSON_LOG_H_
