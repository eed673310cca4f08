// The shared command-line scaffold and tool I/O helpers (see CommandLine.h).
#include "tools/driver/CommandLine.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <vector>

namespace partita::driver {

namespace fs = std::filesystem;

CommandLine::CommandLine(std::string tool, std::string usage, std::string description,
                         size_t column)
    : tool_(std::move(tool)), usage_(std::move(usage)), description_(std::move(description)),
      column_(column) {}

CommandLine &CommandLine::flag(std::vector<std::string> names, std::string display,
                               std::string help, std::function<void()> set) {
  Option o;
  o.names = std::move(names);
  o.display = std::move(display);
  o.help = std::move(help);
  o.apply = [set = std::move(set)](const std::string &) {
    set();
    return std::string();
  };
  entries_.push_back({std::move(o), false});
  return *this;
}

CommandLine &CommandLine::value(std::vector<std::string> names, Option::Arity arity,
                                std::string display, std::string help, std::string missing,
                                ValueHandler apply) {
  Option o;
  o.names = std::move(names);
  o.arity = arity;
  o.display = std::move(display);
  o.help = std::move(help);
  o.missing = missing.empty() ? o.names[0] + " needs a value" : std::move(missing);
  o.apply = std::move(apply);
  entries_.push_back({std::move(o), false});
  return *this;
}

CommandLine &CommandLine::note(std::string display, std::string help) {
  Option o;
  o.display = std::move(display);
  o.help = std::move(help);
  entries_.push_back({std::move(o), true});
  return *this;
}

CommandLine &CommandLine::positional(ValueHandler apply) {
  positional_ = std::move(apply);
  return *this;
}

CommandLine &CommandLine::afterDashDash(std::string display, std::string help,
                                        std::function<void(std::vector<std::string>)> rest) {
  rest_ = std::move(rest);
  restDisplay_ = std::move(display);
  restHelp_ = std::move(help);
  return *this;
}

CommandLine &CommandLine::section(std::string text) {
  sections_.push_back(std::move(text));
  return *this;
}

CommandLine &CommandLine::examples(std::string text) {
  examples_ = std::move(text);
  return *this;
}

CommandLine &CommandLine::unexpectedArgument(std::string message) {
  unexpected_ = std::move(message);
  return *this;
}

const Option *CommandLine::find(const std::string &arg, std::string *value, bool *hasValue) const {
  for (const Entry &e : entries_) {
    if (e.isNote) continue;
    for (const std::string &n : e.option.names) {
      if (arg == n) {
        *hasValue = false;
        return &e.option;
      }
      // "--opt=V" for options whose value may be joined.
      bool joins =
          e.option.arity == Option::Arity::Either || e.option.arity == Option::Arity::Joined;
      if (joins && arg.size() > n.size() && arg.compare(0, n.size(), n) == 0 &&
          arg[n.size()] == '=') {
        *value = arg.substr(n.size() + 1);
        *hasValue = true;
        return &e.option;
      }
    }
  }
  return nullptr;
}

std::optional<int> CommandLine::parse(int argc, char **argv) const {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      printHelp(std::cout);
      return flushStdout(*this) ? 0 : 1;
    }
    if (a == "--" && rest_) {
      rest_(std::vector<std::string>(argv + i + 1, argv + argc));
      break;
    }
    std::string v;
    bool hasValue = false;
    const Option *o = find(a, &v, &hasValue);
    if (!o) {
      if (a.size() > 1 && a[0] == '-') return error("unknown option '" + a + "' (see --help)");
      if (!positional_)
        return error(unexpected_.empty() ? "unexpected argument '" + a + "'"
                                         : unexpected_ + " '" + a + "' (see --help)");
      std::string e = positional_(a);
      if (!e.empty()) return error(e);
      continue;
    }
    if (o->arity != Option::Arity::Flag && !hasValue) {
      if (o->arity == Option::Arity::Joined || i + 1 >= argc) return error(o->missing);
      v = argv[++i];
    }
    std::string e = o->apply(v);
    if (!e.empty()) return error(e);
  }
  return std::nullopt;
}

void CommandLine::printHelp(std::ostream &os) const {
  os << "usage: " << usage_ << "\n\n" << description_ << "\n\noptions:\n";
  auto line = [&](const std::string &display, const std::string &help) {
    std::string left = "  " + display;
    std::istringstream is(help);
    bool first = true;
    for (std::string l; std::getline(is, l); first = false) {
      std::string pad = first ? left : "";
      pad.resize(std::max(pad.size() + 1, column_), ' ');
      os << pad << l << "\n";
    }
  };
  for (const Entry &e : entries_)
    if (!e.option.display.empty()) line(e.option.display, e.option.help);
  if (rest_) line(restDisplay_, restHelp_);
  line("-h, --help", "show this help");
  for (const std::string &s : sections_)
    os << "\n" << s;
  if (!examples_.empty()) os << "\nexamples:\n" << examples_;
}

int CommandLine::error(const std::string &message) const {
  writeLines(std::cerr, tool_ + ": error: " + message + "\n");
  return 1;
}

void writeLines(std::ostream &os, const std::string &text) {
  os.write(text.data(), (std::streamsize)text.size());
  os.flush();
}

void printDiagnostics(const Diagnostics &d, const std::string &name, std::ostream &os) {
  for (const auto &x : d.all()) {
    Diagnostic y = x;
    if (!y.loc.known()) y.loc.file = std::make_shared<const std::string>(name);
    writeLines(os, y.str() + "\n");
  }
}

bool samePath(const std::string &a, const std::string &b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec);
}

bool readAtMost(std::istream &is, std::string *text, size_t limit) {
  text->clear();
  std::vector<char> chunk(1 << 20);
  while (is) {
    is.read(chunk.data(), (std::streamsize)std::min(chunk.size(), limit + 1 - text->size()));
    text->append(chunk.data(), (size_t)is.gcount());
    if (text->size() > limit) return false;
  }
  return true;
}

std::string readInputText(const std::string &file, std::string *text, size_t limit) {
  std::string name = file == "-" ? "<stdin>" : file;
  const std::string tooLarge =
      name + ": error: the input is larger than " +
      (limit == kMaxInputBytes ? std::string("1 GiB") : std::to_string(limit) + " bytes");
  if (file == "-") {
    if (!readAtMost(std::cin, text, limit)) return tooLarge;
    return std::cin.bad() ? name + ": error: cannot read the input" : "";
  }
  std::error_code ec;
  fs::file_status st = fs::status(file, ec);
  if (!ec && (fs::is_character_file(st) || fs::is_block_file(st) || fs::is_socket(st)))
    return file + ": error: not a regular file or pipe (a device or socket): cannot read "
                  "a program from it";
  std::ifstream is(file, std::ios::binary);
  if (!is || fs::is_directory(file, ec)) return file + ": error: cannot open the input file";
  if (!readAtMost(is, text, limit)) return tooLarge;
  return is.bad() ? file + ": error: cannot read the input file" : "";
}

bool readInputFile(const std::string &file, std::string *text, std::ostream &err) {
  std::string e = readInputText(file, text);
  if (e.empty()) return true;
  writeLines(err, e + "\n");
  return false;
}

bool flushStdout(const CommandLine &cl) {
  std::cout.flush();
  if (std::cout.good()) return true;
  cl.error("write to stdout failed");
  return false;
}

bool Output::write(const std::string &text, std::string *err) {
  if (path_ == "-") return text_ = text, true;
  std::string why;
  return file_.write(text, &why) || fail(err, why);
}

bool Output::commit(std::string *err) {
  if (path_ == "-") {
    std::cout << text_ << std::flush;
    return std::cout.good() || fail(err, "write to stdout failed");
  }
  std::string why;
  return file_.commit(&why) || fail(err, why);
}

bool Output::fail(std::string *err, const std::string &why) {
  *err = path_ + ": error: cannot write: " + why;
  return false;
}

} // namespace partita::driver
