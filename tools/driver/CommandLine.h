// The command-line scaffold shared by every Partita tool: a table of options (with their
// --help text), --help with usage, sections and examples, unknown-option errors, and the
// `tool: error: message` diagnostics with exit status 1. Also the small pieces of tool I/O
// that every main needs: reading the input, printing diagnostics, all-or-nothing outputs.
#pragma once

#include "ir/FileIO.h"
#include "ir/Types.h"

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace partita::driver {

// A handler returns an error message, or "" when the value is accepted.
using ValueHandler = std::function<std::string(const std::string &value)>;

struct Option {
  // How an option takes its value.
  enum class Arity {
    Flag,     // no value
    Either,   // "--opt V" or "--opt=V"
    Joined,   // "--opt=V" only
    Separate, // "-o V" only
  };
  std::vector<std::string> names;
  Arity arity = Arity::Flag;
  std::string display; // the left column of --help ("--seed N"); empty hides the option
  std::string help;    // the right column; '\n' starts a continuation line
  std::string missing; // the error when the value is absent
  ValueHandler apply;
};

class CommandLine {
public:
  // `usage` follows "usage: " verbatim (its continuation lines carry their own indent);
  // `column` is where the help text of every option starts.
  CommandLine(std::string tool, std::string usage, std::string description, size_t column);

  const std::string &tool() const { return tool_; }

  CommandLine &flag(std::vector<std::string> names, std::string display, std::string help,
                    std::function<void()> set);
  CommandLine &value(std::vector<std::string> names, Option::Arity arity, std::string display,
                     std::string help, std::string missing, ValueHandler apply);
  // A help line with no option of its own (e.g. one line covering several options).
  CommandLine &note(std::string display, std::string help);
  // Non-option arguments ("-" counts as one).
  CommandLine &positional(ValueHandler apply);
  // Everything after "--" goes to `rest` (without it "--" is an unknown option).
  CommandLine &afterDashDash(std::string display, std::string help,
                             std::function<void(std::vector<std::string>)> rest);
  // Sections printed after the options, in order ("passes:", "exit status: ...").
  CommandLine &section(std::string text);
  CommandLine &examples(std::string text);
  // Replaces the "unknown option" error for a non-option argument when no positional
  // handler is set.
  CommandLine &unexpectedArgument(std::string message);

  // Parses the arguments: nullopt to go on, else the exit code (0 after --help, 1 after an
  // error, which has been printed).
  std::optional<int> parse(int argc, char **argv) const;
  void printHelp(std::ostream &os) const;

  // "tool: error: message" on stderr, in one write; returns 1.
  int error(const std::string &message) const;

private:
  struct Entry {
    Option option;
    bool isNote = false;
  };
  std::string tool_, usage_, description_;
  size_t column_;
  std::vector<Entry> entries_;
  ValueHandler positional_;
  std::function<void(std::vector<std::string>)> rest_;
  std::string restDisplay_, restHelp_, unexpected_;
  std::vector<std::string> sections_;
  std::string examples_;

  const Option *find(const std::string &arg, std::string *value, bool *hasValue) const;
};

// Writes `text` (one or more whole lines) to `os` in a single write, so lines of different
// MPI ranks or threads never join mid-line.
void writeLines(std::ostream &os, const std::string &text);

// Diagnostics, one line each; those without a source position are prefixed with `name`.
void printDiagnostics(const Diagnostics &d, const std::string &name, std::ostream &os);

// True when both paths name the same existing file.
bool samePath(const std::string &a, const std::string &b);

// Reads `is` to its end into `text`; false once more than `limit` bytes came (an endless
// stream ends there instead of filling memory).
bool readAtMost(std::istream &is, std::string *text, size_t limit);

// Inputs larger than this are refused: a program text is far smaller, and an endless
// stream (`yes |`, a named pipe left open) must end in an error, not fill memory.
constexpr size_t kMaxInputBytes = size_t(1) << 30;

// The text of `file` ("-" is stdin; a regular file or a pipe, not a device such as
// /dev/zero) into `text`; "" on success, else the one-line error ("FILE: error: cannot
// open the input file", "...: the input is larger than 1 GiB", ...).
std::string readInputText(const std::string &file, std::string *text,
                          size_t limit = kMaxInputBytes);
// The same, printing the error to `err`; false on error.
bool readInputFile(const std::string &file, std::string *text, std::ostream &err);

// Flushes stdout; false (with "tool: error: write to stdout failed" printed) when a write
// to it failed, e.g. ENOSPC on /dev/full.
bool flushStdout(const CommandLine &cl);

// An output of a tool: stdout for "-" (written on commit), else a PendingFile, so all
// outputs are prepared before any of them replaces its target.
class Output {
public:
  explicit Output(std::string path) : path_(path), file_(std::move(path)) {}
  bool write(const std::string &text, std::string *err);
  bool commit(std::string *err);

private:
  std::string path_, text_;
  PendingFile file_;
  bool fail(std::string *err, const std::string &why);
};

} // namespace partita::driver
