// The canonical text form (spec section 1): meshes, a blank line, then functions separated
// by blank lines; attributes sorted by name with `sharding` in its sorted place. Everything
// printed here parses back to the same module, so printing is idempotent. Ops and arguments
// whose location was imported (a frontend's source line) end in `loc("file":line:col)`;
// positions in a .pir file are never printed, so plain modules print as they always did.
#include "ir/Printer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace partita {

namespace {

std::string quote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = (unsigned char)c;
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (u < 0x20 || u == 0x7f) {
        static const char *hex = "0123456789abcdef";
        out += "\\x";
        out += hex[u >> 4];
        out += hex[u & 15];
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

// Shortest text that reads back as the same double, always marked as a float (".0" or an
// exponent) so it does not parse as an int; inf and nan are the parser's extensions.
std::string formatFloat(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string axesStr(const std::vector<std::string> &axes) {
  std::string s = "{";
  for (size_t i = 0; i < axes.size(); ++i)
    s += (i ? ", " : "") + quote(axes[i]);
  return s + "}";
}

std::string shardingStr(const Sharding &sh) {
  std::string s = "<@" + sh.mesh + ", [";
  for (size_t i = 0; i < sh.dims.size(); ++i)
    s += (i ? ", " : "") + axesStr(sh.dims[i]);
  s += "]";
  if (!sh.replicated.empty()) s += ", replicated=" + axesStr(sh.replicated);
  if (!sh.unreduced.empty()) s += ", unreduced=" + axesStr(sh.unreduced);
  return s + ">";
}

// ` {a = 1, sharding = <...>}`, or nothing when there is no attribute.
std::string attrDictStr(const AttrDict &attrs, const std::optional<Sharding> &sharding) {
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto &[name, a] : attrs)
    if (!(sharding && name == "sharding")) items.emplace_back(name, printAttr(a));
  if (sharding) {
    auto pos =
        std::lower_bound(items.begin(), items.end(), std::string("sharding"),
                         [](const auto &item, const std::string &k) { return item.first < k; });
    items.insert(pos, {"sharding", shardingStr(*sharding)});
  }
  if (items.empty()) return "";
  std::string s = " {";
  for (size_t i = 0; i < items.size(); ++i)
    s += (i ? ", " : "") + items[i].first + " = " + items[i].second;
  return s + "}";
}

std::string meshStr(const Mesh &m) {
  std::string s = "mesh @" + m.name + " = <[";
  for (size_t i = 0; i < m.axes.size(); ++i)
    s += (i ? ", " : "") + quote(m.axes[i].name) + "=" + std::to_string(m.axes[i].size);
  return s + "]>";
}

// ` loc("file":12:7)` for an imported location, else nothing. File names the parser would
// refuse (empty, control characters) are left out rather than printed unparseable.
std::string locStr(const Loc &l) {
  if (!l.imported || !l.known() || l.col < 1 || !l.file || l.file->empty()) return "";
  for (unsigned char c : *l.file)
    if (c < 0x20 || c == 0x7f) return "";
  return " loc(" + quote(*l.file) + ":" + std::to_string(l.line) + ":" + std::to_string(l.col) +
         ")";
}

void printFunc(const Func &f, std::ostream &os) {
  os << "func @" << f.name << "(";
  for (size_t i = 0; i < f.args.size(); ++i) {
    const Value *a = f.args[i];
    static const AttrDict kNone;
    os << (i ? ", " : "") << "%" << a->name << ": " << a->type.str()
       << attrDictStr(i < f.argAttrs.size() ? f.argAttrs[i] : kNone, a->sharding) << locStr(a->loc);
  }
  os << ") -> (";
  for (size_t i = 0; i < f.results.size(); ++i)
    os << (i ? ", " : "") << f.results[i].type.str()
       << attrDictStr(f.results[i].attrs, f.results[i].sharding);
  os << ")";
  if (!f.attrs.empty()) os << " attributes" << attrDictStr(f.attrs, std::nullopt);
  os << " {\n";
  for (const auto &op : f.ops)
    os << "  " << printOp(*op) << locStr(op->loc) << "\n";
  os << "  return";
  for (size_t i = 0; i < f.returns.size(); ++i)
    os << (i ? ", %" : " %") << f.returns[i]->name;
  os << "\n}\n";
}

} // namespace

std::string printAttr(const Attr &a) {
  switch (a.kind) {
  case Attr::Kind::Int:
    return std::to_string(a.i);
  case Attr::Kind::Float:
    return formatFloat(a.f);
  case Attr::Kind::String:
    return quote(a.s);
  case Attr::Kind::Bool:
    return a.b ? "true" : "false";
  case Attr::Kind::Symbol:
    return "@" + a.s;
  case Attr::Kind::Type:
    return a.type.str();
  case Attr::Kind::List: {
    std::string s = "[";
    for (size_t i = 0; i < a.list.size(); ++i)
      s += (i ? ", " : "") + printAttr(a.list[i]);
    return s + "]";
  }
  case Attr::Kind::Sharding:
    return a.sharding.empty() ? "<?>" : shardingStr(a.sharding[0]);
  }
  return "?";
}

std::string printOp(const Op &op) {
  std::string s = "%" + op.result->name + " = " + opcodeName(op.opcode) + "(";
  for (size_t i = 0; i < op.operands.size(); ++i)
    s += (i ? ", %" : "%") + op.operands[i]->name;
  return s + ")" + attrDictStr(op.attrs, op.result->sharding) + " : " + op.result->type.str();
}

void printModule(const Module &m, std::ostream &os) {
  for (const auto &mesh : m.meshes)
    os << meshStr(mesh) << "\n";
  for (size_t i = 0; i < m.funcs.size(); ++i) {
    if (i || !m.meshes.empty()) os << "\n";
    printFunc(*m.funcs[i], os);
  }
}

std::string printModule(const Module &m) {
  std::ostringstream os;
  printModule(m, os);
  return os.str();
}

} // namespace partita
