// Fanout: reports each RPC to several observers (log and metrics).
#ifndef MEDIUS_OBSERVABILITY_FANOUT_H_
#define MEDIUS_OBSERVABILITY_FANOUT_H_

#include <vector>

#include "app/call_observer.h"

namespace medius::observability {

class Fanout : public app::CallObserver {
 public:
  // The observers must outlive this; null entries are skipped.
  explicit Fanout(std::vector<app::CallObserver*> observers)
      : observers_(std::move(observers)) {}
  void OnCall(const app::CallRecord& record) override {
    for (app::CallObserver* o : observers_) {
      if (o != nullptr) o->OnCall(record);
    }
  }

 private:
  std::vector<app::CallObserver*> observers_;
};

}  // namespace medius::observability

#endif  // MEDIUS_OBSERVABILITY_FANOUT_H_
