#include "daemon/sys/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace hbamgr::sys {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Metric names may also contain ':' (reserved for recording rules, allowed).
bool ValidMetricName(absl::string_view name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsNameChar(c) || c == ':'; });
}

bool ValidLabelName(absl::string_view name) {
  if (name.empty() || !IsNameStart(name[0]) || absl::StartsWith(name, "__")) return false;
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

// Help text escapes backslash and newline; label values also the double quote.
std::string Escape(absl::string_view text, bool escape_quote) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '"' && escape_quote) {
      out.append("\\\"");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return absl::StrFormat("%.0f", v);
  // The shortest of 15..17 significant digits that reads back as `v`
  // (0.3, not 0.29999999999999999).
  for (int digits = 15; digits < 17; ++digits) {
    std::string text = absl::StrFormat("%.*g", digits, v);
    if (std::strtod(text.c_str(), nullptr) == v) return text;
  }
  return absl::StrFormat("%.17g", v);
}

std::string SeriesLine(absl::string_view name, const std::vector<std::string>& label_names,
                       const std::vector<std::string>& values, double v) {
  std::string line(name);
  if (!label_names.empty()) {
    line.push_back('{');
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) line.push_back(',');
      absl::StrAppend(&line, label_names[i], "=\"", Escape(values[i], /*escape_quote=*/true), "\"");
    }
    line.push_back('}');
  }
  absl::StrAppend(&line, " ", FormatValue(v), "\n");
  return line;
}

std::string FamilyHeader(absl::string_view name, absl::string_view help, MetricType type) {
  return absl::StrCat("# HELP ", name, " ", Escape(help, /*escape_quote=*/false), "\n", "# TYPE ",
                      name, " ", type == MetricType::kCounter ? "counter" : "gauge", "\n");
}

// A collector's family: valid names, label names distinct, one value per
// label in every sample.
bool ValidFamily(const MetricFamily& f) {
  if (!ValidMetricName(f.name)) return false;
  std::set<absl::string_view> seen;
  for (const std::string& label : f.label_names) {
    if (!ValidLabelName(label) || !seen.insert(label).second) return false;
  }
  return std::all_of(f.samples.begin(), f.samples.end(), [&](const MetricFamily::Sample& s) {
    return s.label_values.size() == f.label_names.size();
  });
}

}  // namespace

void Counter::Increment(double by) {
  if (by > 0) value_.fetch_add(by, std::memory_order_relaxed);
}

void Gauge::Add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }

absl::StatusOr<MetricsRegistry::Family*> MetricsRegistry::FindOrAddFamily(
    absl::string_view name, absl::string_view help, Type type, const MetricLabels& labels,
    std::vector<std::string>* values) {
  if (!ValidMetricName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid metric name '", name, "'"));
  }
  MetricLabels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> names;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (!ValidLabelName(sorted[i].first)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": invalid label name '", sorted[i].first, "'"));
    }
    if (i > 0 && sorted[i].first == sorted[i - 1].first) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": label '", sorted[i].first, "' given twice"));
    }
    names.push_back(sorted[i].first);
    values->push_back(sorted[i].second);
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), names, {}, {}}).first;
    return &it->second;
  }
  Family& f = it->second;
  if (f.type != type || f.help != help || f.label_names != names) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metric ", name, " already registered with another type, help text or label names"));
  }
  return &f;
}

absl::StatusOr<Counter*> MetricsRegistry::GetCounter(absl::string_view name, absl::string_view help,
                                                     MetricLabels labels) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> values;
  absl::StatusOr<Family*> f = FindOrAddFamily(name, help, Type::kCounter, labels, &values);
  if (!f.ok()) return f.status();
  std::unique_ptr<Counter>& c = (*f)->counters[values];
  if (!c) c = std::make_unique<Counter>();
  return c.get();
}

absl::StatusOr<Gauge*> MetricsRegistry::GetGauge(absl::string_view name, absl::string_view help,
                                                 MetricLabels labels) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> values;
  absl::StatusOr<Family*> f = FindOrAddFamily(name, help, Type::kGauge, labels, &values);
  if (!f.ok()) return f.status();
  std::unique_ptr<Gauge>& g = (*f)->gauges[values];
  if (!g) g = std::make_unique<Gauge>();
  return g.get();
}

void MetricsRegistry::RemoveSeries(absl::string_view label, absl::string_view value) {
  absl::MutexLock lock(&mu_);
  for (auto& [name, f] : families_) {
    auto at = std::find(f.label_names.begin(), f.label_names.end(), label);
    if (at == f.label_names.end()) continue;
    const size_t i = static_cast<size_t>(at - f.label_names.begin());
    auto matches = [&](const auto& series) { return series.first[i] == value; };
    std::erase_if(f.counters, matches);
    std::erase_if(f.gauges, matches);
  }
}

void MetricsRegistry::AddCollector(MetricCollector collector) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::RenderText() const {
  std::string out;
  std::set<std::string, std::less<>> rendered;
  std::vector<MetricCollector> collectors;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, f] : families_) {
      if (f.counters.empty() && f.gauges.empty()) continue;
      out.append(FamilyHeader(name, f.help, f.type));
      for (const auto& [values, c] : f.counters) {
        out.append(SeriesLine(name, f.label_names, values, c->value()));
      }
      for (const auto& [values, g] : f.gauges) {
        out.append(SeriesLine(name, f.label_names, values, g->value()));
      }
      rendered.insert(name);
    }
    collectors = collectors_;
  }
  // Outside mu_: a collector takes the locks of what it reads.
  std::vector<MetricFamily> families;
  for (const MetricCollector& collect : collectors) collect(families);
  for (const MetricFamily& f : families) {
    if (f.samples.empty() || !ValidFamily(f) || !rendered.insert(f.name).second) continue;
    out.append(FamilyHeader(f.name, f.help, f.type));
    for (const MetricFamily::Sample& s : f.samples) {
      out.append(SeriesLine(f.name, f.label_names, s.label_values, s.value));
    }
  }
  return out;
}

}  // namespace hbamgr::sys
