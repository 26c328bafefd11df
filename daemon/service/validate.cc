#include "daemon/service/validate.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "hbamgr/v1/types.pb.h"

namespace hbamgr::service {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMaxRepeatedInSummary = 16;
constexpr size_t kMaxHexBytes = 32;

// "120000006000", the first kMaxHexBytes bytes of a bytes field.
std::string Hex(absl::string_view bytes) {
  std::string out = absl::BytesToHexString(bytes.substr(0, kMaxHexBytes));
  if (bytes.empty()) out = "''";
  if (bytes.size() > kMaxHexBytes) absl::StrAppend(&out, "...(", bytes.size(), " bytes)");
  return out;
}

// Appends `name: value` pairs of set fields until the budget is spent.
class SummaryWriter {
 public:
  explicit SummaryWriter(size_t budget) : budget_(budget) {}

  void Fields(const Message& m) {
    const Reflection* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    for (const FieldDescriptor* f : fields) {
      if (!f->is_repeated()) {
        Value(m, f, -1);
        continue;
      }
      int n = r->FieldSize(m, f);
      for (int i = 0; i < n && i < kMaxRepeatedInSummary; ++i) Value(m, f, i);
      if (n > kMaxRepeatedInSummary) {
        Append(absl::StrCat(f->name(), ": ...(", n, " items)"));
      }
    }
  }

  std::string Take() && {
    if (out_.size() > budget_) {
      out_.resize(budget_);
      out_ += "...";
    }
    return std::move(out_);
  }

 private:
  void Append(absl::string_view item) {
    if (out_.size() >= budget_) return;
    if (!out_.empty()) out_ += ' ';
    out_.append(item.data(), item.size());
  }

  void Value(const Message& m, const FieldDescriptor* f, int index) {
    if (out_.size() >= budget_) return;
    const Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& s = index < 0 ? r->GetStringReference(m, f, &scratch)
                                         : r->GetRepeatedStringReference(m, f, index, &scratch);
        Append(f->type() == FieldDescriptor::TYPE_BYTES
                   ? absl::StrCat(f->name(), ": ", Hex(s))
                   : absl::StrCat(f->name(), ": \"", Echo(s), "\""));
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Message& sub = index < 0 ? r->GetMessage(m, f) : r->GetRepeatedMessage(m, f, index);
        Append(absl::StrCat(f->name(), " {"));
        Fields(sub);
        out_ += " }";
        return;
      }
      default: {
        std::string text;
        google::protobuf::TextFormat::PrintFieldValueToString(m, f, index, &text);
        Append(absl::StrCat(f->name(), ": ", text));
        return;
      }
    }
  }

  const size_t budget_;
  std::string out_;
};

}  // namespace

std::string Echo(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < kMaxEchoBytes; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c <= 0x7e) {
      out += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  if (text.size() > kMaxEchoBytes) absl::StrAppend(&out, "...(", text.size(), " bytes)");
  return out;
}

absl::Status Invalid(absl::string_view field, absl::string_view value, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(field, " = ", value, ": ", expected));
}

absl::Status CheckAtMost(absl::string_view field, uint64_t value, uint64_t limit,
                         absl::string_view limit_name) {
  if (value <= limit) return absl::OkStatus();
  return Invalid(field, absl::StrCat(value),
                 absl::StrCat("at most ", limit, " (", limit_name, ")"));
}

absl::Status CheckBytesAtMost(absl::string_view field, uint64_t bytes, uint64_t limit,
                              absl::string_view limit_name) {
  if (bytes <= limit) return absl::OkStatus();
  return Invalid(field, absl::StrCat(bytes, " bytes"),
                 absl::StrCat("at most ", limit, " bytes (", limit_name, ")"));
}

absl::Status CheckRange(absl::string_view field, uint64_t value, uint64_t min, uint64_t max,
                        absl::string_view range_name) {
  if (value >= min && value <= max) return absl::OkStatus();
  return Invalid(field, absl::StrCat(value), absl::StrCat(min, "..", max, " (", range_name, ")"));
}

absl::Status CheckId16(absl::string_view field, uint64_t value) {
  return CheckAtMost(field, value, 0xffff, "ids are 16-bit");
}

absl::Status CheckLength(absl::string_view field, absl::string_view text, size_t limit,
                         absl::string_view limit_name) {
  if (text.size() <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", text.size(), " bytes: at most ", limit, " (", limit_name, ")"));
}

absl::Status CheckEnum(absl::string_view field, int value, bool (*is_valid)(int), bool zero_ok,
                       absl::string_view enum_name) {
  if ((value != 0 || zero_ok) && is_valid(value)) return absl::OkStatus();
  return Invalid(field, absl::StrCat(value),
                 value == 0 ? std::string("required") : absl::StrCat("not a known ", enum_name));
}

absl::Status CheckEventFilterEnums(absl::string_view prefix, int min_severity, int event_class) {
  if (absl::Status s = CheckEnum(absl::StrCat(prefix, "min_severity"), min_severity,
                                 v1::Severity_IsValid, /*zero_ok=*/true, "Severity");
      !s.ok()) {
    return s;
  }
  return CheckEnum(absl::StrCat(prefix, "event_class"), event_class, v1::EventClass_IsValid,
                   /*zero_ok=*/true, "EventClass");
}

std::string AuditSummary(const google::protobuf::Message& request) {
  SummaryWriter writer(kMaxAuditSummaryBytes);
  writer.Fields(request);
  return std::move(writer).Take();
}

}  // namespace hbamgr::service
