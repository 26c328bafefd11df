// Request validation shared by every service: each check names the field,
// the value and the limit ("sense_length = 252: at most 96
// (HBAMGR_SENSE_MAX)"), and user text is echoed bounded and escaped.  The
// daemon is the authority on requests: everything here runs before a
// request reserves memory or is queued for an adapter.
#ifndef HBAMGR_DAEMON_SERVICE_VALIDATE_H_
#define HBAMGR_DAEMON_SERVICE_VALIDATE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace hbamgr::service {

// Strings the API takes that no ABI field sizes.
inline constexpr size_t kMaxAdapterNameBytes = 32;  // "c0", "c1", ...
inline constexpr size_t kMaxFilterTextBytes = 256;  // ListAudit peer/method filters
inline constexpr size_t kMaxObjectPathBytes = 64;   // "/c0/e0/s3", "/c0/v1"
// User text quoted in messages, logs and audit records.
inline constexpr size_t kMaxEchoBytes = 64;
// The argument summary of an audit record.
inline constexpr size_t kMaxAuditSummaryBytes = 512;

// `text` as it may be quoted: printable ASCII kept, anything else \xNN, cut
// after kMaxEchoBytes with "...(N bytes)" saying how long it was.
std::string Echo(absl::string_view text);

// INVALID_ARGUMENT "<field> = <value>: <expected>".
absl::Status Invalid(absl::string_view field, absl::string_view value, absl::string_view expected);

// `value` <= `limit`, else "<field> = <value>: at most <limit> (<limit_name>)".
absl::Status CheckAtMost(absl::string_view field, uint64_t value, uint64_t limit,
                         absl::string_view limit_name);
// `min` <= `value` <= `max`, else "<field> = <value>: <min>..<max> (<range_name>)".
absl::Status CheckRange(absl::string_view field, uint64_t value, uint64_t min, uint64_t max,
                        absl::string_view range_name);
// A size in bytes: "<field> = N bytes: at most <limit> bytes (<limit_name>)".
absl::Status CheckBytesAtMost(absl::string_view field, uint64_t bytes, uint64_t limit,
                              absl::string_view limit_name);
// A 16-bit id of the ABI (PD, VD, enclosure, slot, target): at most 65535.
absl::Status CheckId16(absl::string_view field, uint64_t value);
// A string of at most `limit` bytes, else "<field>: N bytes: at most <limit>
// (<limit_name>)" (the text itself is not echoed: it is too long).
absl::Status CheckLength(absl::string_view field, absl::string_view text, size_t limit,
                         absl::string_view limit_name);

// A proto enum field: `value` is one of `Enum`'s values.  `zero_ok`: the
// UNSPECIFIED value (0) is accepted (it means "any" in a filter).
absl::Status CheckEnum(absl::string_view field, int value, bool (*is_valid)(int), bool zero_ok,
                       absl::string_view enum_name);

// The enums of an event filter (QueryEvents, Subscribe): UNSPECIFIED (any)
// or a known value; `prefix` goes before the field names ("filter.").
absl::Status CheckEventFilterEnums(absl::string_view prefix, int min_severity, int event_class);

// An audit record's summary of a request: "field: value" pairs as the
// protobuf text format prints them, each string or bytes value bounded to
// kMaxEchoBytes (and escaped), repeated fields to their first 16 elements,
// the whole to kMaxAuditSummaryBytes.  Never copies a large field.
std::string AuditSummary(const google::protobuf::Message& request);

}  // namespace hbamgr::service

#endif  // HBAMGR_DAEMON_SERVICE_VALIDATE_H_
