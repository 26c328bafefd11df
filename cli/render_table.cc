#include "cli/render_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hbamgr::cli {
namespace {

void AppendTitle(std::string& out, const std::string& title) {
  if (title.empty()) return;
  absl::StrAppend(&out, title, " :\n", std::string(title.size() + 2, '='), "\n\n");
}

void AppendPadded(std::string& out, const std::string& cell, size_t width, bool right) {
  const std::string pad(width - std::min(width, cell.size()), ' ');
  if (right) {
    absl::StrAppend(&out, pad, cell);
  } else {
    absl::StrAppend(&out, cell, pad);
  }
}

std::string RenderProperties(const Properties& props) {
  std::string out;
  AppendTitle(out, props.title);
  size_t width = 0;
  for (const auto& [key, value] : props.items) width = std::max(width, key.size());
  for (const auto& [key, value] : props.items) {
    AppendPadded(out, key, width, /*right=*/false);
    absl::StrAppend(&out, " = ", value, "\n");
  }
  return out;
}

std::string RenderTextBlock(const TextBlock& block) {
  std::string out;
  AppendTitle(out, block.title);
  for (const std::string& line : block.lines) absl::StrAppend(&out, line, "\n");
  return out;
}

}  // namespace

std::string RenderTable(const Table& table) {
  std::vector<size_t> widths;
  for (const Column& column : table.columns) widths.push_back(column.header.size());
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  size_t total = 0;
  for (size_t w : widths) total += w;
  if (!widths.empty()) total += widths.size() - 1;
  const std::string rule = std::string(total, '-') + "\n";

  auto append_row = [&](std::string& out, const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      if (i > 0) line.push_back(' ');
      const std::string empty;
      const std::string& cell = i < cells.size() ? cells[i] : empty;
      AppendPadded(line, cell, widths[i], table.columns[i].right_aligned);
    }
    // Trailing blanks of the last, left-aligned column are noise.
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  };

  std::string out;
  AppendTitle(out, table.title);
  out += rule;
  std::vector<std::string> headers;
  for (const Column& column : table.columns) headers.push_back(column.header);
  append_row(out, headers);
  out += rule;
  for (const auto& row : table.rows) append_row(out, row);
  if (!table.rows.empty()) out += rule;
  if (!table.legend.empty()) absl::StrAppend(&out, "\n", table.legend, "\n");
  return out;
}

std::string RenderText(const Report& report) {
  std::string out;
  absl::StrAppend(&out, "Command = ", report.command, "\n");
  absl::StrAppend(&out, "Status = ", report.status.ok() ? "Success" : "Failure", "\n");
  std::string description = report.description;
  if (!report.status.ok()) description = std::string(report.status.message());
  absl::StrAppend(&out, "Description = ", description.empty() ? "None" : description, "\n");
  for (const Section& section : report.sections) {
    out += "\n";
    if (const auto* props = std::get_if<Properties>(&section)) out += RenderProperties(*props);
    if (const auto* table = std::get_if<Table>(&section)) out += RenderTable(*table);
    if (const auto* block = std::get_if<TextBlock>(&section)) out += RenderTextBlock(*block);
  }
  return out;
}

}  // namespace hbamgr::cli
