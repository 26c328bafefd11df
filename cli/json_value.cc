#include "cli/json_value.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hbamgr::cli {
namespace {

void Newline(std::string& out, int indent, int depth) {
  if (indent == 0) return;
  out.push_back('\n');
  out.append(static_cast<size_t>(indent * depth), ' ');
}

}  // namespace

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char ch : text) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (ch < 0x20 || ch == 0x7f) {
          out += absl::StrFormat("\\u%04x", ch);
        } else {
          out.push_back(static_cast<char>(ch));
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string Json::Serialize(int indent) const {
  std::string out;
  Write(out, indent, 0);
  return out;
}

void Json::Write(std::string& out, int indent, int depth) const {
  struct Visitor {
    std::string& out;
    int indent;
    int depth;
    void operator()(std::monostate) { out += "null"; }
    void operator()(bool v) { out += v ? "true" : "false"; }
    void operator()(int64_t v) { absl::StrAppend(&out, v); }
    void operator()(uint64_t v) { absl::StrAppend(&out, v); }
    void operator()(double v) {
      // JSON has no NaN or infinity.
      if (!std::isfinite(v)) {
        out += "null";
      } else {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round trip
        out.append(buf, end);
      }
    }
    void operator()(const std::string& v) { out += JsonQuote(v); }
    void operator()(const Array& v) {
      if (v.empty()) {
        out += "[]";
        return;
      }
      out.push_back('[');
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out.push_back(',');
        Newline(out, indent, depth + 1);
        v[i].Write(out, indent, depth + 1);
      }
      Newline(out, indent, depth);
      out.push_back(']');
    }
    void operator()(const Object& v) {
      if (v.empty()) {
        out += "{}";
        return;
      }
      out.push_back('{');
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out.push_back(',');
        Newline(out, indent, depth + 1);
        out += JsonQuote(v[i].first);
        out += indent == 0 ? ":" : ": ";
        v[i].second.Write(out, indent, depth + 1);
      }
      Newline(out, indent, depth);
      out.push_back('}');
    }
  };
  std::visit(Visitor{out, indent, depth}, value_);
}

}  // namespace hbamgr::cli
