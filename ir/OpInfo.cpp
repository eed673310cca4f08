// The op table: Ops.def's declarative records joined with each family's rules, plus the
// opcode queries of ir/IR.h that read it.
#include "ir/OpInfo.h"

#include "ir/OpAttrs.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace partita {

namespace {

std::vector<OpInfo> buildTable() {
  using namespace opflag;
  using attrs::Optional;
  using attrs::Required;
  std::vector<OpInfo> t;
#define ATTR(accessor, name, kind, presence) {name, AttrKind::kind, presence == Required},
#define OP(Name, text, arity, flags, attributes)                                                   \
  t.push_back(OpInfo{Opcode::Name, text, arity, flags, {attributes}});
#include "ir/Ops.def"
#undef OP
#undef ATTR
  std::vector<bool> seen(t.size(), false);
  for (auto family : {ops::elementwiseOps, ops::shapeOps, ops::contractionOps, ops::reductionOps,
                      ops::gatherOps, ops::collectiveOps}) {
    for (OpImpl &impl : family()) {
      OpInfo &info = t[(size_t)impl.code];
      if (seen[(size_t)impl.code]) {
        std::cerr << "internal error: op '" << info.name << "' is defined twice\n";
        std::abort();
      }
      seen[(size_t)impl.code] = true;
      info.inferType = impl.inferType;
      info.verify = impl.verify;
      info.shardingRule = impl.shardingRule;
      info.vjp = impl.vjp;
      info.frontendAliases = std::move(impl.frontendAliases);
    }
  }
  for (const OpInfo &info : t)
    if (!seen[(size_t)info.code] || !info.inferType) {
      std::cerr << "internal error: op '" << info.name << "' has no type inference rule\n";
      std::abort();
    }
  return t;
}

} // namespace

const std::vector<OpInfo> &allOpInfos() {
  static const std::vector<OpInfo> table = buildTable();
  return table;
}

const OpInfo &opInfo(Opcode code) { return allOpInfos()[(size_t)code]; }

const OpInfo *opInfoByName(std::string_view name) {
  for (const OpInfo &info : allOpInfos())
    if (name == info.name) return &info;
  return nullptr;
}

const OpInfo *opInfoByFrontendName(std::string_view name) {
  for (const OpInfo &info : allOpInfos())
    for (const char *alias : info.frontendAliases)
      if (name == alias) return &info;
  return opInfoByName(name);
}

const AttrSpec *OpInfo::attr(std::string_view n) const {
  for (const AttrSpec &a : attrs)
    if (n == a.name) return &a;
  return nullptr;
}

std::vector<std::string> OpInfo::attrNames() const {
  std::vector<std::string> names;
  for (const AttrSpec &a : attrs)
    names.push_back(a.name);
  std::sort(names.begin(), names.end());
  return names;
}

const char *opcodeName(Opcode op) { return opInfo(op).name; }
int opcodeArity(Opcode op) { return opInfo(op).arity; }

std::optional<Opcode> parseOpcode(const std::string &text) {
  if (const OpInfo *info = opInfoByName(text)) return info->code;
  return std::nullopt;
}

bool isUnaryElementwise(Opcode op) { return opInfo(op).is(opflag::UnaryBit); }
bool isBinaryElementwise(Opcode op) { return opInfo(op).is(opflag::BinaryBit); }
bool isElementwise(Opcode op) { return opInfo(op).is(opflag::Elementwise); }
bool isCollective(Opcode op) { return opInfo(op).is(opflag::CollectiveBit); }
bool isAsyncCollective(const Op &op) { return isCollective(op.opcode) && op.getBool("async"); }

// ---- typed attribute support (ir/OpAttrs.h) ----

std::optional<CompareDirection> parseCompareDirection(const std::string &s) {
  static const std::pair<const char *, CompareDirection> kDirs[] = {
      {"eq", CompareDirection::Eq}, {"ne", CompareDirection::Ne}, {"lt", CompareDirection::Lt},
      {"le", CompareDirection::Le}, {"gt", CompareDirection::Gt}, {"ge", CompareDirection::Ge}};
  for (const auto &[text, d] : kDirs)
    if (s == text) return d;
  return std::nullopt;
}

const Attr &attrs::Traits<AttrKind::Value, attrs::Required>::get(const Op &op, const char *n) {
  static const Attr kNone;
  const Attr *a = op.attr(n);
  return a ? *a : kNone;
}

std::vector<std::string> collectiveAxes(const Op &op) {
  return opInfo(op.opcode).is(opflag::CollectiveBit) ? op.getStrings("axes")
                                                     : std::vector<std::string>{};
}

std::vector<int64_t> reducedDims(const Op &op) {
  switch (op.opcode) {
  case Opcode::ReduceSum:
    return ReduceSumOp(op).dims();
  case Opcode::ReduceMax:
    return ReduceMaxOp(op).dims();
  case Opcode::ReduceMin:
    return ReduceMinOp(op).dims();
  default:
    return {};
  }
}

} // namespace partita
