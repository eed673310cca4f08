// Graphviz DOT output of a module (ir/Dot.h). Nodes are numbered by their position in the
// function, edges are written in program order, and nothing depends on addresses or hash
// order, so the same module always gives the same text.
#include "ir/Dot.h"

#include "ir/OpAttrs.h"
#include "ir/Printer.h"

#include <set>
#include <sstream>
#include <unordered_map>

namespace partita {

namespace {

// A DOT double-quoted string body: quotes and backslashes escaped, control characters
// (which names and strings never need) replaced, so no input can break the syntax.
std::string esc(const std::string &s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c < 0x20 || c == 0x7f ? ' ' : (char)c;
  }
  return out;
}

// Label lines are joined with DOT's `\n` escape after escaping each line.
std::string label(const std::vector<std::string> &lines) {
  std::string s;
  for (size_t i = 0; i < lines.size(); ++i)
    s += (i ? "\\n" : "") + esc(lines[i]);
  return s;
}

// `[{data}, {}, {model}]`: the Shardy form without quotes (which would need escaping and
// add nothing), prefixed by the mesh when the module has more than one.
std::string compactSharding(const Sharding &s, bool showMesh) {
  auto axes = [](const std::vector<std::string> &a) {
    std::string r = "{";
    for (size_t i = 0; i < a.size(); ++i)
      r += (i ? "," : "") + a[i];
    return r + "}";
  };
  std::string r = showMesh ? "@" + s.mesh + " [" : "[";
  for (size_t i = 0; i < s.dims.size(); ++i)
    r += (i ? ", " : "") + axes(s.dims[i]);
  r += "]";
  if (!s.unreduced.empty()) r += " unreduced=" + axes(s.unreduced);
  return r;
}

// Attribute values without string quotes, long ones (constant tables) shortened.
std::string compactAttr(const Attr &a) {
  std::string s;
  for (char c : printAttr(a))
    if (c != '"') s += c;
  const size_t kMax = 40;
  if (s.size() > kMax) s = s.substr(0, kMax - 3) + "...";
  return s;
}

std::string attrSummary(const Op &op) {
  std::string s;
  for (const auto &[name, a] : op.attrs)
    s += (s.empty() ? "" : ", ") + name + "=" + compactAttr(a);
  return s;
}

class FuncDot {
public:
  FuncDot(const Module &m, const Func &f, const DotOptions &o, std::string idPrefix,
          std::ostream &os, const std::string &indent)
      : m_(m), f_(f), o_(o), p_(std::move(idPrefix)), os_(os), in_(indent) {}

  void run() {
    setUp();
    for (size_t i = 0; i < f_.args.size(); ++i)
      if (state(f_.args[i]) == State::Shown) node(f_.args[i]);
    // Edges need to know every boundary node first; collect them, then print nodes, edges.
    std::vector<std::string> edges;
    std::set<std::tuple<std::string, std::string, bool>> seen;
    auto edgeTo = [&](const Value *operand, const std::string &dst) {
      for (const auto &[src, direct] : sourcesOf(operand)) {
        if (!seen.insert({id(src), dst, direct}).second) continue;
        if (state(src) == State::Outside) boundary_.insert(src);
        edges.push_back(id(src) + " -> " + dst + (direct ? "" : " [style=dashed]"));
      }
    };
    for (const auto &op : f_.ops) {
      if (state(op->result) != State::Shown) continue;
      for (const Value *v : op->operands)
        edgeTo(v, id(op->result));
    }
    std::vector<size_t> results;
    for (size_t i = 0; i < f_.returns.size(); ++i) {
      State s = state(f_.returns[i]);
      if (o_.prefixes.empty() || s == State::Shown || s == State::Elided) {
        results.push_back(i);
        edgeTo(f_.returns[i], p_ + "r" + std::to_string(i));
      }
    }
    for (const auto &op : f_.ops)
      if (state(op->result) == State::Shown || boundary_.count(op->result)) node(op->result);
    for (const Value *a : f_.args)
      if (state(a) != State::Shown && boundary_.count(a)) node(a);
    for (size_t i : results)
      resultNode(i);
    for (const auto &e : edges)
      os_ << in_ << e << ";\n";
  }

private:
  enum class State { Shown, Elided, Outside, Dropped };

  const Module &m_;
  const Func &f_;
  const DotOptions &o_;
  std::string p_;
  std::ostream &os_;
  std::string in_;
  std::unordered_map<const Value *, std::string> ids_;
  std::unordered_map<const Value *, State> state_;
  std::unordered_map<const Value *, std::vector<std::pair<const Value *, bool>>> sources_;
  std::set<const Value *> boundary_;
  std::unordered_map<const Value *, int> uses_;
  // Values an all_reduce or reduce_scatter consumes hold partial results: "partial sum
  // over {model}" (the first such consumer's reduction and axes).
  std::unordered_map<const Value *, std::string> partial_;
  const Mesh *partitionedOver_ = nullptr;
  const Func *globalFunc_ = nullptr;

  bool inFilter(const Value *v) const {
    if (o_.prefixes.empty()) return true;
    for (const auto &p : o_.prefixes)
      if (v->name.compare(0, p.size(), p) == 0) return true;
    return false;
  }

  void setUp() {
    for (size_t i = 0; i < f_.args.size(); ++i)
      ids_[f_.args[i]] = p_ + "a" + std::to_string(i);
    for (size_t i = 0; i < f_.ops.size(); ++i)
      ids_[f_.ops[i]->result] = p_ + "n" + std::to_string(i);
    for (const auto &op : f_.ops) {
      for (const Value *v : op->operands)
        ++uses_[v];
      if ((op->opcode == Opcode::AllReduce || op->opcode == Opcode::ReduceScatter) &&
          !op->operands.empty() && !partial_.count(op->operands[0])) {
        std::string axes;
        for (const auto &a : collectiveAxes(*op))
          axes += (axes.empty() ? "" : ",") + a;
        Reduction r = op->opcode == Opcode::AllReduce ? AllReduceOp(*op).reduction()
                                                          : ReduceScatterOp(*op).reduction();
        partial_[op->operands[0]] =
            std::string("partial ") + reductionName(r) + " over {" + axes + "}";
      }
    }
    for (const Value *v : f_.returns)
      ++uses_[v];
    if (auto mesh = f_.partitionedMesh()) partitionedOver_ = m_.mesh(*mesh);
    if (partitionedOver_ && o_.globals) globalFunc_ = o_.globals->func(f_.name);
    if (globalFunc_ && globalFunc_->partitionedMesh()) globalFunc_ = nullptr; // local types too

    for (const Value *a : f_.args)
      state_[a] = inFilter(a) ? State::Shown : State::Outside;
    // Values computed from constants, iota and axis_index alone (offsets, masks, index
    // tables) are bookkeeping; compact graphs drop them like the leaves themselves.
    std::set<const Value *> constLike;
    for (const auto &op : f_.ops) {
      bool c = true;
      for (const Value *v : op->operands)
        c &= constLike.count(v) > 0;
      if (c) constLike.insert(op->result);
    }
    for (const auto &op : f_.ops) {
      const Value *v = op->result;
      bool leaf = constLike.count(v) > 0;
      // In compact graphs a value used more than once stays: eliding it would copy its
      // inputs' edges to every use (a residual stream would fan in from every layer).
      bool keep = !o_.compact || opInfo(op->opcode).is(opflag::Major) || (!leaf && uses_[v] > 1);
      if (o_.compact && leaf)
        state_[v] = State::Dropped;
      else if (!inFilter(v))
        state_[v] = State::Outside;
      else
        state_[v] = keep ? State::Shown : State::Elided;
    }
    // Sources of elided values, in program order (operands come first): the shown or
    // boundary values their data comes from, all through elided ops.
    for (const auto &op : f_.ops) {
      if (state_[op->result] != State::Elided) continue;
      auto &src = sources_[op->result];
      std::set<const Value *> have;
      for (const Value *v : op->operands)
        for (auto [s, direct] : sourcesOf(v))
          if (have.insert(s).second) src.push_back({s, false});
    }
  }

  State state(const Value *v) const { return state_.at(v); }
  const std::string &id(const Value *v) const { return ids_.at(v); }

  // Where the data of operand `v` comes from, as drawn: itself when shown or outside the
  // filter (a boundary node, once an edge uses it), else the sources of the elided ops in
  // between.
  std::vector<std::pair<const Value *, bool>> sourcesOf(const Value *v) {
    switch (state(v)) {
    case State::Shown:
    case State::Outside:
      return {{v, true}};
    case State::Elided:
      return sources_[v];
    case State::Dropped:
      break;
    }
    return {};
  }

  bool showMesh() const { return m_.meshes.size() > 1; }

  // The sharding line of a value: its own sharding; in a partitioned function the global
  // type and sharding of the same-named value of the propagated module, when they give
  // exactly this per-device type; for a partial result, what is pending (the propagated
  // sharding describes the reduced value, so it is left out).
  std::string shardingLine(const Value *v, const AttrDict *attrs) const {
    auto partial = partial_.find(v);
    if (partial != partial_.end()) return partial->second;
    if (partitionedOver_) {
      const Attr *g = nullptr;
      if (attrs && attrs->count("global")) g = &attrs->at("global");
      if (g && g->kind == Attr::Kind::Type && v->sharding)
        return "global " + g->type.str() + " " + compactSharding(*v->sharding, showMesh());
      const Value *gv = globalFunc_ ? globalFunc_->lookup(v->name) : nullptr;
      if (gv && gv->sharding && gv->sharding->mesh == partitionedOver_->name &&
          gv->sharding->rank() == gv->type.rank() &&
          gv->sharding->localType(gv->type, *partitionedOver_) == v->type)
        return "global " + gv->type.str() + " " + compactSharding(*gv->sharding, showMesh());
      return "";
    }
    return v->sharding ? compactSharding(*v->sharding, showMesh()) : "";
  }

  void node(const Value *v) {
    std::vector<std::string> lines;
    std::string attrs = "shape=box";
    const AttrDict *argAttrs = nullptr;
    if (!v->def) {
      lines.push_back("%" + v->name);
      argAttrs = (size_t)v->argIndex < f_.argAttrs.size() && v->argIndex >= 0
                     ? &f_.argAttrs[v->argIndex]
                     : nullptr;
      attrs = "shape=ellipse, style=filled, fillcolor=\"#eeeeee\"";
    } else {
      const Op &op = *v->def;
      lines.push_back("%" + v->name + " = " + opcodeName(op.opcode));
      std::string a = attrSummary(op);
      if (!a.empty()) lines.push_back(a);
      auto [fill, border] = dotCollectiveColors(op.opcode);
      if (!fill.empty())
        attrs += ", style=\"filled,bold\", fillcolor=\"" + fill + "\", color=\"" + border + "\"";
      else if (op.opcode == Opcode::Einsum)
        attrs += ", style=filled, fillcolor=\"#fffbe6\"";
      else if (op.opcode == Opcode::ShardingConstraint)
        attrs += ", style=\"rounded,dashed\"";
    }
    lines.push_back(v->type.str());
    std::string s = shardingLine(v, argAttrs);
    if (!s.empty()) lines.push_back(s);
    if (boundary_.count(v) && state(v) != State::Shown) {
      // Defined outside the filtered part: only where it comes from.
      lines = {"%" + v->name, v->type.str()};
      attrs = "shape=box, style=\"dashed,rounded\", color=\"#888888\", fontcolor=\"#555555\"";
    }
    os_ << in_ << id(v) << " [label=\"" << label(lines) << "\", " << attrs << "];\n";
  }

  void resultNode(size_t i) {
    const FuncResult &r = f_.results[i];
    std::vector<std::string> lines = {"result " + std::to_string(i), r.type.str()};
    if (partitionedOver_) {
      auto g = r.attrs.find("global");
      if (g != r.attrs.end() && g->second.kind == Attr::Kind::Type && r.sharding)
        lines.push_back("global " + g->second.type.str() + " " +
                        compactSharding(*r.sharding, showMesh()));
    } else if (r.sharding) {
      lines.push_back(compactSharding(*r.sharding, showMesh()));
    }
    os_ << in_ << p_ << "r" << i << " [label=\"" << label(lines)
        << "\", shape=ellipse, style=filled, fillcolor=\"#eeeeee\", peripheries=2];\n";
  }
};

std::string funcTitle(const Module &m, const Func &f) {
  std::string t = "@" + f.name;
  if (auto mesh = f.partitionedMesh()) {
    t += ": the per-device program of @" + *mesh;
    if (const Mesh *msh = m.mesh(*mesh)) {
      std::string axes;
      for (const MeshAxis &a : msh->axes)
        axes += (axes.empty() ? "" : ", ") + a.name + "=" + std::to_string(a.size);
      t += " (" + axes + ")";
    }
    t += "; types are per device";
  }
  return t;
}

} // namespace

std::pair<std::string, std::string> dotCollectiveColors(Opcode op) {
  switch (op) {
  case Opcode::AllReduce:
    return {"#f8cecc", "#b85450"}; // red
  case Opcode::AllGather:
    return {"#dae8fc", "#6c8ebf"}; // blue
  case Opcode::ReduceScatter:
    return {"#d5e8d4", "#82b366"}; // green
  case Opcode::AllToAll:
    return {"#ffe6cc", "#d79b00"}; // orange
  case Opcode::CollectivePermute:
    return {"#e1d5e7", "#9673a6"}; // purple
  default:
    return {};
  }
}

std::optional<std::vector<std::string>> parseDotFilter(const std::string &text,
                                                       std::string *error) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t comma = text.find(',', pos);
    std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (item.empty()) {
      *error = "--dot-filter needs comma-separated value name prefixes (e.g. layer1.moe.), "
               "got '" +
               text + "'";
      return std::nullopt;
    }
    if (item[0] == '%') item.erase(0, 1); // allow "%layer1." as written in the IR
    out.push_back(item);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::string printDot(const Module &m, const DotOptions &o) {
  std::ostringstream os;
  os << "// Generated by Partita (partita-opt --dot). Render: dot -Tsvg FILE -o FILE.svg\n";
  os << "digraph \"module\" {\n"
        "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=12, labelloc=t, nodesep=0.25, "
        "ranksep=0.3];\n"
        "  node [fontname=\"Helvetica\", fontsize=10];\n"
        "  edge [color=\"#555555\", arrowsize=0.6];\n";
  bool clusters = m.funcs.size() > 1;
  for (size_t k = 0; k < m.funcs.size(); ++k) {
    const Func &f = *m.funcs[k];
    std::string indent = clusters ? "    " : "  ";
    std::ostringstream body;
    FuncDot(m, f, o, clusters ? "f" + std::to_string(k) + "_" : "", body, indent).run();
    // A function the filter leaves empty gets no (empty, invisible) cluster.
    if (clusters && body.str().empty()) continue;
    if (clusters) os << "  subgraph \"cluster_" << k << "\" {\n";
    os << indent << "label=\"" << esc(funcTitle(m, f)) << "\";\n" << body.str();
    if (clusters) os << "  }\n";
  }
  os << "}\n";
  return os.str();
}

} // namespace partita
