// Prints the /metrics text the exporter renders for SampleSnapshot(): one
// sample of every family it can export (the metrics documentation test
// compares docs/metrics.md with it and with a real daemon's /metrics).
#include <iostream>

#include "daemon/exporter/health_metrics.h"
#include "daemon/exporter/sample_snapshot.h"
#include "daemon/sys/metrics.h"

int main() {
  hbamgr::sys::MetricsRegistry registry;
  registry.AddCollector([](std::vector<hbamgr::sys::MetricFamily>& out) {
    hbamgr::exporter::CollectHealth({hbamgr::exporter::SampleSnapshot()},
                                    hbamgr::health::Policy::Defaults(), out);
  });
  std::cout << registry.RenderText();
  return std::cout.good() ? 0 : 1;
}
