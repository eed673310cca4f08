// The .pir parser (spec section 1): a hand-written lexer and a recursive-descent parser that
// builds a Module through the IR API. It stops at the first error, reported at the offending
// token, and is safe on arbitrary bytes (the parser fuzzer holds it to that).
//
// Beyond the spec's grammar it accepts exactly what the printer can print, so every module
// round-trips:
//   - the float values `inf`, `-inf` and `nan` (the partitioner uses -inf as the identity of
//     a max); `-nan` reads as nan;
//   - floats with an exponent sign (`1e+20`, as std::to_chars writes them);
//   - a sharding of a scalar, `<@m, []>`, and a mesh without axes, `<[]>`;
//   - `return` without values, for a function with no results;
//   - value names made of `[A-Za-z0-9_.]` in any order (passes may name values `v.1`);
//   - an MLIR-style trailing location on an op or an argument, `loc("model.cpp":12:7)` (or
//     `loc(unknown)`), which replaces the .pir position as the op's or argument's location
//     (attributes and shardings included), so diagnostics point at the original source.
// Errors at the end of the input point just past the last token, so a trailing newline or
// comment does not move them.
#include "ir/Parser.h"

#include <charconv>
#include <climits>
#include <limits>
#include <map>
#include <set>

namespace partita {

namespace {

// Lists are the only recursive construct; nesting beyond any tensor's rank is an error
// rather than a stack overflow.
constexpr int kMaxListDepth = 64;

enum class Tok {
  Eof,
  Error,
  Ident,
  ValueName, // %name
  Symbol,    // @name
  String,
  Int,
  Float,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Less,
  Greater,
  Comma,
  Colon,
  Equal,
  Arrow,
};

struct Token {
  Tok kind = Tok::Eof;
  std::string_view text; // the source spelling
  std::string str;       // decoded string, or the name of a value or symbol
  int64_t i = 0;
  double f = 0;
  int line = 1, col = 1;
};

bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c) || c == '.'; }

// Printable ASCII stays, everything else becomes \xHH: messages stay one clean line.
std::string escapeForMessage(std::string_view s, size_t limit = 40) {
  std::string out;
  for (size_t k = 0; k < s.size() && k < limit; ++k) {
    unsigned char c = (unsigned char)s[k];
    if (c >= 0x20 && c < 0x7f) {
      out += (char)c;
    } else {
      static const char *hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > limit) out += "...";
  return out;
}

class Lexer {
public:
  explicit Lexer(std::string_view src) : src_(src) {}

  Token next() {
    skipTrivia();
    Token t;
    t.line = line_;
    t.col = col_;
    if (pos_ >= src_.size()) {
      // Past the last token rather than at the physical end of the input.
      t.line = lastLine_;
      t.col = lastCol_;
      return t;
    }
    size_t start = pos_;
    char c = src_[pos_];
    static constexpr std::string_view kPunct = "()[]{}<>,:=";
    static constexpr Tok kPunctTok[] = {Tok::LParen, Tok::RParen, Tok::LBracket, Tok::RBracket,
                                        Tok::LBrace, Tok::RBrace, Tok::Less,     Tok::Greater,
                                        Tok::Comma,  Tok::Colon,  Tok::Equal};
    if (size_t k = kPunct.find(c); k != std::string_view::npos) {
      bump();
      t.kind = kPunctTok[k];
    } else if (c == '-' && peekChar(1) == '>') {
      bump();
      bump();
      t.kind = Tok::Arrow;
    } else if (c == '"') {
      lexString(t);
    } else if (c == '%' || c == '@') {
      lexName(t);
    } else if (c == '-' || isDigit(c)) {
      lexNumber(t);
    } else if (isIdentStart(c)) {
      while (pos_ < src_.size() && isIdentChar(src_[pos_]))
        bump();
      t.kind = Tok::Ident;
    } else {
      bump();
      error(t, "unexpected character '" + escapeForMessage(src_.substr(start, 1)) + "'");
    }
    t.text = src_.substr(start, pos_ - start);
    if (t.kind == Tok::Ident) t.str = std::string(t.text);
    lastLine_ = line_;
    lastCol_ = col_;
    return t;
  }

private:
  char peekChar(size_t ahead) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  void bump() {
    if (src_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }
  void error(Token &t, std::string msg) {
    t.kind = Tok::Error;
    t.str = std::move(msg);
  }

  void skipTrivia() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        bump();
      } else if (c == '/' && peekChar(1) == '/') {
        while (pos_ < src_.size() && src_[pos_] != '\n')
          bump();
      } else {
        break;
      }
    }
  }

  // "..." with the escapes \\ \" \n \t \r and \xHH; a raw newline ends the line unterminated.
  void lexString(Token &t) {
    bump();
    std::string out;
    while (true) {
      if (pos_ >= src_.size() || src_[pos_] == '\n') return error(t, "unterminated string");
      char c = src_[pos_];
      if (c == '"') {
        bump();
        break;
      }
      if (c != '\\') {
        out += c;
        bump();
        continue;
      }
      int escLine = line_, escCol = col_;
      bump();
      char e = pos_ < src_.size() ? src_[pos_] : '\0';
      auto hexVal = [](char h) {
        if (isDigit(h)) return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      switch (e) {
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'x': {
        int hi = hexVal(peekChar(1)), lo = hexVal(peekChar(2));
        if (hi >= 0 && lo >= 0) {
          out += (char)(hi * 16 + lo);
          bump();
          bump();
          break;
        }
        [[fallthrough]];
      }
      default:
        if (pos_ >= src_.size() || e == '\n') return error(t, "unterminated string");
        t.line = escLine;
        t.col = escCol;
        return error(t, "unknown escape sequence '\\" +
                            escapeForMessage(std::string_view(&src_[pos_], 1)) + "' in string");
      }
      bump();
    }
    t.kind = Tok::String;
    t.str = std::move(out);
  }

  void lexName(Token &t) {
    char sigil = src_[pos_];
    bump();
    size_t start = pos_;
    if (sigil == '@') {
      if (pos_ < src_.size() && isIdentStart(src_[pos_]))
        while (pos_ < src_.size() && isIdentChar(src_[pos_]))
          bump();
    } else {
      while (pos_ < src_.size() && isIdentChar(src_[pos_]))
        bump();
    }
    if (pos_ == start) return error(t, std::string("expected a name after '") + sigil + "'");
    t.kind = sigil == '@' ? Tok::Symbol : Tok::ValueName;
    t.str = std::string(src_.substr(start, pos_ - start));
  }

  // int := -?[0-9]+ ; float := -?[0-9]+ ('.' [0-9]+)? ([eE] [+-]? [0-9]+)? with '.' or an
  // exponent; also -inf and -nan (the unsigned forms are identifiers).
  void lexNumber(Token &t) {
    size_t start = pos_;
    if (src_[pos_] == '-') {
      bump();
      for (const char *word : {"inf", "nan"}) {
        if (src_.substr(pos_, 3) == word && !isIdentChar(peekChar(3))) {
          bump(), bump(), bump();
          t.kind = Tok::Float;
          t.f = word[0] == 'i' ? -std::numeric_limits<double>::infinity()
                               : std::numeric_limits<double>::quiet_NaN();
          return;
        }
      }
      if (!isDigit(peekChar(0))) return error(t, "expected a digit after '-'");
    }
    bool isFloat = false;
    while (isDigit(peekChar(0)))
      bump();
    if (peekChar(0) == '.') {
      bump();
      if (!isDigit(peekChar(0))) return error(t, "expected a digit after '.' in a number");
      while (isDigit(peekChar(0)))
        bump();
      isFloat = true;
    }
    if (peekChar(0) == 'e' || peekChar(0) == 'E') {
      bump();
      if (peekChar(0) == '+' || peekChar(0) == '-') bump();
      if (!isDigit(peekChar(0))) return error(t, "expected a digit in the exponent of a number");
      while (isDigit(peekChar(0)))
        bump();
      isFloat = true;
    }
    const char *b = src_.data() + start, *e = src_.data() + pos_;
    if (isFloat) {
      auto r = std::from_chars(b, e, t.f);
      if (r.ec != std::errc() || r.ptr != e) return error(t, "float literal out of range");
      t.kind = Tok::Float;
    } else {
      auto r = std::from_chars(b, e, t.i);
      if (r.ec != std::errc() || r.ptr != e)
        return error(t, "integer literal out of range (it must fit in 64 bits)");
      t.kind = Tok::Int;
    }
  }

  std::string_view src_;
  size_t pos_ = 0;
  int line_ = 1, col_ = 1;
  int lastLine_ = 1, lastCol_ = 1;
};

class Parser {
public:
  Parser(std::string_view src, const std::string &filename, Diagnostics &diags)
      : lex_(src), file_(std::make_shared<const std::string>(filename)), diags_(diags) {
    advance();
  }

  std::unique_ptr<Module> parseModule() {
    auto m = std::make_unique<Module>();
    while (tok_.kind != Tok::Eof) {
      if (isKeyword("mesh")) {
        if (!parseMesh(*m)) return nullptr;
      } else if (isKeyword("func")) {
        if (!parseFunc(*m)) return nullptr;
      } else {
        unexpected("'mesh' or 'func'");
        return nullptr;
      }
    }
    return m;
  }

  std::optional<Sharding> parseStandaloneSharding() {
    if (tok_.kind != Tok::Less) return unexpected("'<'"), std::nullopt;
    Attr a;
    if (!parseShardingValue(a) || !expect(Tok::Eof, "end of input")) return std::nullopt;
    return a.sharding[0];
  }

private:
  Loc loc(const Token &t) const { return Loc{file_, t.line, t.col}; }
  Loc here() const { return loc(tok_); }
  void advance() { tok_ = lex_.next(); }
  bool isKeyword(const char *w) const { return tok_.kind == Tok::Ident && tok_.text == w; }

  bool fail(const Loc &l, std::string msg) {
    diags_.error(l, std::move(msg));
    return false;
  }

  static std::string describe(const Token &t) {
    switch (t.kind) {
    case Tok::Eof:
      return "end of file";
    case Tok::String:
      return "string \"" + escapeForMessage(t.str) + "\"";
    default:
      return "'" + escapeForMessage(t.text) + "'";
    }
  }

  bool unexpected(const std::string &what) {
    if (tok_.kind == Tok::Error) return fail(here(), tok_.str);
    return fail(here(), "expected " + what + " but found " + describe(tok_));
  }

  // What the grammar wanted, by token kind (in the order of enum Tok).
  static const char *spelling(Tok k) {
    static const char *const kNames[] = {"end of file",
                                         "end of file",
                                         "an identifier",
                                         "a value such as %name",
                                         "a symbol such as @name",
                                         "a string",
                                         "an integer",
                                         "a float",
                                         "'('",
                                         "')'",
                                         "'['",
                                         "']'",
                                         "'{'",
                                         "'}'",
                                         "'<'",
                                         "'>'",
                                         "','",
                                         "':'",
                                         "'='",
                                         "'->'"};
    static_assert(sizeof(kNames) / sizeof(kNames[0]) == (size_t)Tok::Arrow + 1);
    return kNames[(int)k];
  }

  bool expect(Tok k, const char *what = nullptr) {
    if (tok_.kind != k) return unexpected(what ? what : spelling(k));
    advance();
    return true;
  }

  bool expectKeyword(const char *w) {
    if (!isKeyword(w)) return unexpected(std::string("'") + w + "'");
    advance();
    return true;
  }

  // Parses `open item (, item)* close` where the list may be empty.
  template <class F> bool parseList(Tok close, F item) {
    if (tok_.kind == close) return advance(), true;
    while (true) {
      if (!item()) return false;
      if (tok_.kind == close) return advance(), true;
      if (tok_.kind != Tok::Comma) return unexpected(std::string("',' or ") + spelling(close));
      advance();
    }
  }

  bool parseString(std::string &out) {
    if (tok_.kind != Tok::String) return unexpected("a string");
    out = tok_.str;
    advance();
    return true;
  }

  bool parseInt(int64_t &out) {
    if (tok_.kind != Tok::Int) return unexpected("an integer");
    out = tok_.i;
    advance();
    return true;
  }

  bool parseMesh(Module &m) {
    Mesh mesh;
    mesh.loc = here();
    advance();
    if (tok_.kind != Tok::Symbol) return unexpected(spelling(Tok::Symbol));
    mesh.name = tok_.str;
    if (!meshNames_.insert(mesh.name).second)
      return fail(here(), "redefinition of mesh @" + mesh.name);
    advance();
    if (!expect(Tok::Equal) || !expect(Tok::Less) || !expect(Tok::LBracket)) return false;
    bool ok = parseList(Tok::RBracket, [&] {
      MeshAxis ax;
      if (!parseString(ax.name) || !expect(Tok::Equal) || !parseInt(ax.size)) return false;
      mesh.axes.push_back(std::move(ax));
      return true;
    });
    if (!ok || !expect(Tok::Greater)) return false;
    m.meshes.push_back(std::move(mesh));
    return true;
  }

  bool parseType(TensorType &t) {
    if (tok_.kind != Tok::Ident) return unexpected("a type such as f32[4,8]");
    auto d = parseDType(tok_.str);
    if (!d) return fail(here(), "unknown element type '" + escapeForMessage(tok_.text) + "'");
    advance();
    t = TensorType(*d, {});
    if (!expect(Tok::LBracket)) return false;
    return parseList(Tok::RBracket, [&] {
      int64_t n = 0;
      if (!parseInt(n)) return false;
      t.shape.push_back(n);
      return true;
    });
  }

  bool parseAxes(std::vector<std::string> &axes) {
    if (!expect(Tok::LBrace)) return false;
    return parseList(Tok::RBrace, [&] {
      std::string s;
      if (!parseString(s)) return false;
      axes.push_back(std::move(s));
      return true;
    });
  }

  // `<@mesh, [dims], replicated={...}, unreduced={...}>`, the optional parts in that order.
  bool parseShardingValue(Attr &a) {
    Sharding s;
    s.loc = here();
    if (!expect(Tok::Less)) return false;
    if (tok_.kind != Tok::Symbol) return unexpected(spelling(Tok::Symbol));
    s.mesh = tok_.str;
    advance();
    if (!expect(Tok::Comma) || !expect(Tok::LBracket)) return false;
    bool ok = parseList(Tok::RBracket, [&] {
      s.dims.emplace_back();
      return parseAxes(s.dims.back());
    });
    if (!ok) return false;
    bool replicated = false, unreduced = false;
    while (tok_.kind == Tok::Comma) {
      advance();
      if (!replicated && !unreduced && isKeyword("replicated")) {
        replicated = true;
        advance();
        if (!expect(Tok::Equal) || !parseAxes(s.replicated)) return false;
      } else if (!unreduced && isKeyword("unreduced")) {
        unreduced = true;
        advance();
        if (!expect(Tok::Equal) || !parseAxes(s.unreduced)) return false;
      } else {
        return unexpected(unreduced    ? "'>'"
                          : replicated ? "'unreduced'"
                                       : "'replicated' or 'unreduced'");
      }
    }
    if (!expect(Tok::Greater)) return false;
    a = Attr::ofSharding(std::move(s));
    return true;
  }

  bool parseAttrValue(Attr &a, int depth) {
    Loc l = here();
    switch (tok_.kind) {
    case Tok::Int:
      a = Attr::ofInt(tok_.i);
      advance();
      break;
    case Tok::Float:
      a = Attr::ofFloat(tok_.f);
      advance();
      break;
    case Tok::String:
      a = Attr::ofString(tok_.str);
      advance();
      break;
    case Tok::Symbol:
      a = Attr::ofSymbol(tok_.str);
      advance();
      break;
    case Tok::Less:
      if (!parseShardingValue(a)) return false;
      break;
    case Tok::LBracket: {
      if (depth >= kMaxListDepth)
        return fail(l, "attribute lists nested deeper than " + std::to_string(kMaxListDepth) +
                           " levels");
      advance();
      std::vector<Attr> items;
      bool ok = parseList(Tok::RBracket, [&] {
        items.emplace_back();
        return parseAttrValue(items.back(), depth + 1);
      });
      if (!ok) return false;
      a = Attr::ofList(std::move(items));
      break;
    }
    case Tok::Ident:
      if (tok_.text == "true" || tok_.text == "false") {
        a = Attr::ofBool(tok_.text == "true");
        advance();
      } else if (tok_.text == "inf" || tok_.text == "nan") {
        a = Attr::ofFloat(tok_.text == "inf" ? std::numeric_limits<double>::infinity()
                                             : std::numeric_limits<double>::quiet_NaN());
        advance();
      } else {
        TensorType t;
        if (!parseType(t)) return false;
        a = Attr::ofType(std::move(t));
      }
      break;
    default:
      return unexpected("an attribute value");
    }
    a.loc = l;
    return true;
  }

  // `{name = value, ...}`; the `sharding` entry goes to *sharding when that is given.
  bool parseAttrDict(AttrDict &out, std::optional<Sharding> *sharding) {
    if (!expect(Tok::LBrace)) return false;
    std::set<std::string> seen;
    while (true) {
      if (tok_.kind != Tok::Ident) return unexpected("an attribute name");
      std::string name = tok_.str;
      Loc nameLoc = here();
      if (!seen.insert(name).second) return fail(nameLoc, "duplicate attribute '" + name + "'");
      advance();
      Attr a;
      if (!expect(Tok::Equal) || !parseAttrValue(a, 0)) return false;
      if (sharding && name == "sharding") {
        if (a.kind != Attr::Kind::Sharding)
          return fail(a.loc,
                      "attribute 'sharding' must be a sharding such as <@mesh, [{\"a\"}, {}]>");
        *sharding = std::move(a.sharding[0]);
      } else {
        out.emplace(std::move(name), std::move(a));
      }
      if (tok_.kind == Tok::RBrace) return advance(), true;
      if (tok_.kind != Tok::Comma) return unexpected("',' or '}'");
      advance();
    }
  }

  bool parseFunc(Module &m) {
    auto f = std::make_unique<Func>();
    f->loc = here();
    advance();
    if (tok_.kind != Tok::Symbol) return unexpected(spelling(Tok::Symbol));
    f->name = tok_.str;
    if (!funcNames_.insert(f->name).second)
      return fail(here(), "redefinition of function @" + f->name);
    advance();
    if (!expect(Tok::LParen)) return false;
    bool ok = parseList(Tok::RParen, [&] {
      if (tok_.kind != Tok::ValueName) return unexpected("an argument such as %x");
      Loc l = here();
      std::string name = tok_.str;
      if (f->lookup(name)) return fail(l, "redefinition of value '%" + name + "'");
      advance();
      TensorType t;
      AttrDict attrs;
      std::optional<Sharding> sh;
      if (!expect(Tok::Colon) || !parseType(t)) return false;
      if (tok_.kind == Tok::LBrace && !parseAttrDict(attrs, &sh)) return false;
      std::optional<Loc> src;
      if (!parseTrailingLoc(src)) return false;
      if (src) {
        l = *src;
        relocate(attrs, sh, l);
      }
      Value *v = f->addArg(name, std::move(t), l);
      v->sharding = std::move(sh);
      f->argAttrs.back() = std::move(attrs);
      return true;
    });
    if (!ok || !expect(Tok::Arrow) || !expect(Tok::LParen)) return false;
    ok = parseList(Tok::RParen, [&] {
      FuncResult r;
      r.loc = here();
      if (!parseType(r.type)) return false;
      if (tok_.kind == Tok::LBrace && !parseAttrDict(r.attrs, &r.sharding)) return false;
      f->results.push_back(std::move(r));
      return true;
    });
    if (!ok) return false;
    if (isKeyword("attributes")) {
      advance();
      if (!parseAttrDict(f->attrs, nullptr)) return false;
    }
    if (!expect(Tok::LBrace)) return false;
    while (!isKeyword("return")) {
      if (tok_.kind == Tok::RBrace)
        return fail(here(), "function @" + f->name + " ends without a 'return'");
      if (tok_.kind != Tok::ValueName)
        return unexpected("a statement such as '%v = op(...)' or 'return'");
      if (!parseOp(*f)) return false;
    }
    f->returnLoc = here();
    advance();
    if (tok_.kind == Tok::ValueName) {
      while (true) {
        Value *v;
        if (!parseUse(*f, v)) return false;
        f->returns.push_back(v);
        if (tok_.kind != Tok::Comma) break;
        advance();
      }
    } else if (tok_.kind != Tok::RBrace) {
      return unexpected("a value such as %v or '}'");
    }
    if (!expect(Tok::RBrace, "',' or '}'")) return false;
    m.funcs.push_back(std::move(f));
    return true;
  }

  // An optional `loc("file":line:col)` or `loc(unknown)` after an op or an argument; `out`
  // stays empty for `unknown` and when there is none.
  bool parseTrailingLoc(std::optional<Loc> &out) {
    if (!isKeyword("loc")) return true;
    advance();
    if (!expect(Tok::LParen)) return false;
    if (isKeyword("unknown")) {
      advance();
      return expect(Tok::RParen);
    }
    if (tok_.kind != Tok::String)
      return unexpected("a location such as loc(\"model.cpp\":12:7) or loc(unknown)");
    Loc fileLoc = here();
    std::string file = tok_.str;
    if (file.empty()) return fail(fileLoc, "the file name of a location is empty");
    // Diagnostics print the name as it is: it must not break their one-line form.
    for (unsigned char c : file)
      if (c < 0x20 || c == 0x7f)
        return fail(fileLoc, "the file name of a location contains a control character");
    advance();
    int64_t pos[2];
    for (int k = 0; k < 2; ++k) {
      if (!expect(Tok::Colon)) return false;
      Loc numLoc = here();
      if (!parseInt(pos[k])) return false;
      if (pos[k] < 1 || pos[k] > INT_MAX)
        return fail(numLoc, std::string("the ") + (k ? "column" : "line") +
                                " of a location must be between 1 and " + std::to_string(INT_MAX));
    }
    if (!expect(Tok::RParen)) return false;
    auto &shared = importedFiles_[file];
    if (!shared) shared = std::make_shared<const std::string>(file);
    out = Loc{shared, (int)pos[0], (int)pos[1], true};
    return true;
  }

  // Gives attributes and the sharding of an op or argument with a `loc(...)` that location,
  // so the verifier's errors about them point at the source as well.
  static void relocate(Attr &a, const Loc &l) {
    a.loc = l;
    for (Sharding &s : a.sharding)
      s.loc = l;
    for (Attr &x : a.list)
      relocate(x, l);
  }
  static void relocate(AttrDict &attrs, std::optional<Sharding> &sh, const Loc &l) {
    for (auto &[name, a] : attrs)
      relocate(a, l);
    if (sh) sh->loc = l;
  }

  bool parseUse(Func &f, Value *&v) {
    if (tok_.kind != Tok::ValueName) return unexpected(spelling(Tok::ValueName));
    v = f.lookup(tok_.str);
    if (!v) return fail(here(), "use of undefined value '%" + escapeForMessage(tok_.str) + "'");
    advance();
    return true;
  }

  bool parseOp(Func &f) {
    Loc l = here();
    std::string name = tok_.str;
    if (f.lookup(name)) return fail(l, "redefinition of value '%" + name + "'");
    advance();
    if (!expect(Tok::Equal)) return false;
    if (tok_.kind != Tok::Ident) return unexpected("an op name");
    Loc opLoc = here();
    auto code = parseOpcode(tok_.str);
    if (!code) return fail(opLoc, "unknown op '" + escapeForMessage(tok_.text) + "'");
    advance();
    auto op = std::make_unique<Op>();
    op->opcode = *code;
    op->loc = l;
    if (!expect(Tok::LParen)) return false;
    bool ok = parseList(Tok::RParen, [&] {
      Value *v;
      if (!parseUse(f, v)) return false;
      op->operands.push_back(v);
      return true;
    });
    if (!ok) return false;
    int arity = opcodeArity(*code), n = (int)op->operands.size();
    if (arity < 0 && n == 0)
      return fail(opLoc, std::string("op '") + opcodeName(*code) + "' takes at least one operand");
    if (arity >= 0 && n != arity)
      return fail(opLoc, std::string("op '") + opcodeName(*code) + "' takes " +
                             std::to_string(arity) + " operand" + (arity == 1 ? "" : "s") +
                             " but " + std::to_string(n) + (n == 1 ? " was" : " were") + " given");
    std::optional<Sharding> sh;
    if (tok_.kind == Tok::LBrace && !parseAttrDict(op->attrs, &sh)) return false;
    TensorType t;
    if (!expect(Tok::Colon) || !parseType(t)) return false;
    std::optional<Loc> src;
    if (!parseTrailingLoc(src)) return false;
    if (src) {
      l = op->loc = *src;
      relocate(op->attrs, sh, l);
    }
    op->result = f.newValue(name, std::move(t), l);
    op->result->def = op.get();
    op->result->sharding = std::move(sh);
    f.ops.push_back(std::move(op));
    return true;
  }

  Lexer lex_;
  std::shared_ptr<const std::string> file_;
  Diagnostics &diags_;
  Token tok_;
  // Declared names, so that duplicate checks stay cheap in huge modules.
  std::set<std::string> meshNames_, funcNames_;
  // File names of `loc(...)`s, shared by every location that names them.
  std::map<std::string, std::shared_ptr<const std::string>> importedFiles_;
};

} // namespace

std::unique_ptr<Module> parseModule(std::string_view text, const std::string &filename,
                                    Diagnostics &diags) {
  Parser p(text, filename, diags);
  return p.parseModule();
}

std::optional<Sharding> parseSharding(std::string_view text, std::string *error) {
  Diagnostics d;
  Parser p(text, "<sharding>", d);
  auto s = p.parseStandaloneSharding();
  if (!s && error) {
    const Diagnostic &first = d.all().front();
    *error = "column " + std::to_string(first.loc.col) + ": " + first.message;
  }
  if (s) s->loc = {};
  return s;
}

} // namespace partita
