// Fanout: reports each RPC to several observers (log and metrics).
#ifndef MEDIUS_OBSERVABILITY_FANOUT_H_
#define MEDIUS_OBSERVABILITY_FANOUT_H_

#include <vector>

#include "service/rpc_observer.h"

namespace medius::observability {

class Fanout : public service::RpcObserver {
 public:
  // The observers must outlive this; null entries are skipped.
  explicit Fanout(std::vector<service::RpcObserver*> observers)
      : observers_(std::move(observers)) {}
  void OnRpc(const service::RpcRecord& record) override {
    for (service::RpcObserver* o : observers_) {
      if (o != nullptr) o->OnRpc(record);
    }
  }

 private:
  std::vector<service::RpcObserver*> observers_;
};

}  // namespace medius::observability

#endif  // MEDIUS_OBSERVABILITY_FANOUT_H_
