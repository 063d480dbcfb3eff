package dev.lading.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;

/**
 * The word processor of Dockerfile instructions, as BuildKit's shell lexer does it: quotes,
 * escapes and {@code $VAR} / {@code ${VAR...}} substitution, never command execution.
 *
 * <p>Supported substitutions: {@code $N}, {@code ${N}}, {@code ${N:-w}}, {@code ${N-w}},
 * {@code ${N:+w}}, {@code ${N+w}}, {@code ${N:?msg}}, {@code ${N?msg}}, {@code ${N#p}},
 * {@code ${N##p}}, {@code ${N%p}}, {@code ${N%%p}}, {@code ${N/p/r}}, {@code ${N//p/r}}. An unset
 * variable expands to nothing, as in a shell.
 */
final class ShellLexer {
  private final char escape;
  private final boolean rawQuotes;
  private final boolean rawEscapes;
  private final boolean skipProcessQuotes;
  private final boolean skipUnset;

  private ShellLexer(char escape, boolean rawQuotes, boolean rawEscapes, boolean skipProcessQuotes,
      boolean skipUnset) {
    this.escape = escape;
    this.rawQuotes = rawQuotes;
    this.rawEscapes = rawEscapes;
    this.skipProcessQuotes = skipProcessQuotes;
    this.skipUnset = skipUnset;
  }

  /** The lexer the builder uses on instruction words: quotes and escapes are consumed. */
  static ShellLexer of(char escape) {
    return new ShellLexer(escape, false, false, false, false);
  }

  /** Keeps quote characters in the result (heredoc detection needs to see them). */
  ShellLexer keepingQuotes() {
    return new ShellLexer(escape, true, rawEscapes, skipProcessQuotes, skipUnset);
  }

  /** Keeps escape characters in the result. */
  ShellLexer keepingEscapes() {
    return new ShellLexer(escape, rawQuotes, true, skipProcessQuotes, skipUnset);
  }

  /** Treats quotes as ordinary characters (heredoc bodies: a quote there is text). */
  ShellLexer ignoringQuotes() {
    return new ShellLexer(escape, rawQuotes, rawEscapes, true, skipUnset);
  }

  /** Leaves references to unset variables as written instead of expanding them to nothing. */
  ShellLexer keepingUnset() {
    return new ShellLexer(escape, rawQuotes, rawEscapes, skipProcessQuotes, true);
  }

  /** The word with quotes removed and variables substituted; spaces are kept. */
  String processWord(String word, Function<String, String> env) throws DockerfileException {
    return new Run(word, env).process().text;
  }

  /** The text split into words as a shell would after substitution (quoted spaces kept). */
  List<String> processWords(String text, Function<String, String> env) throws DockerfileException {
    return new Run(text, env).process().words;
  }

  private record Result(String text, List<String> words) {}

  /** Whitespace as Go's unicode.IsSpace sees it, which is what BuildKit splits on. */
  static boolean isSpace(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == 0x0B || ch == '\f'
        || ch == 0x85 || ch == 0xA0 || Character.isSpaceChar(ch);
  }

  private static final class Words {
    private final StringBuilder buf = new StringBuilder();
    private final List<String> words = new ArrayList<>();
    private boolean inWord;

    void addChar(char ch) {
      if (isSpace(ch)) {
        if (inWord && buf.length() > 0) {
          words.add(buf.toString());
          buf.setLength(0);
          inWord = false;
        }
      } else {
        addRawChar(ch);
      }
    }

    void addRawChar(char ch) {
      buf.append(ch);
      inWord = true;
    }

    void addString(String s) {
      for (int i = 0; i < s.length(); i++) {
        addChar(s.charAt(i));
      }
    }

    void addRawString(String s) {
      buf.append(s);
      inWord = true;
    }

    List<String> finish() {
      if (buf.length() > 0) {
        words.add(buf.toString());
        buf.setLength(0);
      }
      return words;
    }
  }

  private final class Run {
    private static final int EOF = -1;
    private final String src;
    private final Function<String, String> env;
    private int pos;

    Run(String src, Function<String, String> env) {
      this.src = src;
      this.env = env;
    }

    Result process() throws DockerfileException {
      try {
        return processStopOn(EOF, rawEscapes);
      } catch (DockerfileException e) {
        // Quoted with what the word does not hold, so a quoted word reads as written.
        String quote = src.contains("\"") ? "'" : "\"";
        throw DockerfileException.of("cannot process " + quote + src + quote + ": " + e.problem());
      }
    }

    private int peek() {
      return pos < src.length() ? src.charAt(pos) : EOF;
    }

    private int next() {
      return pos < src.length() ? src.charAt(pos++) : EOF;
    }

    private Result processStopOn(int stop, boolean keepEscapes) throws DockerfileException {
      StringBuilder result = new StringBuilder();
      Words words = new Words();
      while (peek() != EOF) {
        int ch = peek();
        if (stop != EOF && ch == stop) {
          next();
          return new Result(result.toString(), words.finish());
        }
        if (ch == '$') {
          String value = dollar();
          result.append(value);
          words.addString(value);
        } else if (ch == '<') {
          String value = possibleHeredoc();
          result.append(value);
          words.addRawString(value);
        } else if (!skipProcessQuotes && (ch == '\'' || ch == '"')) {
          String value = ch == '\'' ? singleQuote() : doubleQuote(keepEscapes);
          result.append(value);
          words.addRawString(value);
        } else {
          ch = next();
          if (ch == escape) {
            if (keepEscapes) {
              words.addRawChar((char) ch);
              result.append((char) ch);
            }
            ch = next();
            if (ch == EOF) {
              break;
            }
            words.addRawChar((char) ch);
          } else {
            words.addChar((char) ch);
          }
          result.append((char) ch);
        }
      }
      if (stop != EOF) {
        throw DockerfileException.of("unexpected end of statement while looking for matching "
            + (char) stop);
      }
      return new Result(result.toString(), words.finish());
    }

    private String singleQuote() throws DockerfileException {
      StringBuilder out = new StringBuilder();
      int ch = next();
      if (rawQuotes) {
        out.append((char) ch);
      }
      while (true) {
        ch = next();
        if (ch == EOF) {
          throw DockerfileException.of(
              "unexpected end of statement while looking for matching single-quote");
        }
        if (ch == '\'') {
          if (rawQuotes) {
            out.append('\'');
          }
          return out.toString();
        }
        out.append((char) ch);
      }
    }

    private String doubleQuote(boolean keepEscapes) throws DockerfileException {
      StringBuilder out = new StringBuilder();
      int ch = next();
      if (rawQuotes) {
        out.append((char) ch);
      }
      while (true) {
        int p = peek();
        if (p == EOF) {
          throw DockerfileException.of(
              "unexpected end of statement while looking for matching double-quote");
        }
        if (p == '"') {
          next();
          if (rawQuotes) {
            out.append('"');
          }
          return out.toString();
        }
        if (p == '$') {
          out.append(dollar());
          continue;
        }
        ch = next();
        if (ch == escape) {
          if (keepEscapes) {
            out.append((char) ch);
          }
          int after = peek();
          if (after == EOF) {
            continue;
          }
          // Inside double quotes only these lose their escape, as in a POSIX shell.
          if (after == '"' || after == '$' || after == escape) {
            ch = next();
          }
        }
        out.append((char) ch);
      }
    }

    private String dollar() throws DockerfileException {
      next();
      if (peek() != '{') {
        String name = name();
        if (name.isEmpty()) {
          return "$";
        }
        String value = env.apply(name);
        if (value == null && skipUnset) {
          return "$" + name;
        }
        return value == null ? "" : value;
      }
      next();
      int first = peek();
      if (first == EOF) {
        throw DockerfileException.of("syntax error: missing '}'");
      }
      if (first == '{' || first == '}' || first == ':') {
        throw DockerfileException.of("syntax error: bad substitution");
      }
      String name = name();
      int ch = next();
      if (ch == EOF) {
        throw DockerfileException.of("syntax error: missing '}'");
      }
      String value = env.apply(name);
      if (ch == '}') {
        if (value == null && skipUnset) {
          return "${" + name + "}";
        }
        return value == null ? "" : value;
      }
      if (ch == '/') {
        return replace(name, value);
      }
      String modifier = String.valueOf((char) ch);
      boolean nullIsUnset = false;
      if (ch == ':') {
        nullIsUnset = true;
        ch = next();
        modifier += ch == EOF ? "" : String.valueOf((char) ch);
      }
      if (ch != '+' && ch != '-' && ch != '?' && ch != '#' && ch != '%') {
        throw DockerfileException.of("unsupported modifier (" + modifier + ") in substitution");
      }
      boolean pattern = ch == '#' || ch == '%';
      if (nullIsUnset && pattern) {
        throw DockerfileException.of("unsupported modifier (" + modifier + ") in substitution");
      }
      String word = closing('}', pattern, "syntax error: missing '}'");
      boolean set = value != null;
      if (!set && skipUnset) {
        return "${" + name + modifier + word + "}";
      }
      boolean empty = !set || (nullIsUnset && value.isEmpty());
      switch (ch) {
        case '-':
          return empty ? word : value;
        case '+':
          return empty ? "" : word;
        case '?':
          if (!set) {
            throw DockerfileException.of(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
          }
          if (empty) {
            throw DockerfileException.of(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
          }
          return value;
        default:
          boolean greedy = !word.isEmpty() && word.charAt(0) == ch;
          String glob = greedy ? word.substring(1) : word;
          return ShellPatterns.trim(set ? value : "", glob, ch == '#', greedy);
      }
    }

    private String closing(int stop, boolean keepEscapes, String missing) throws DockerfileException {
      try {
        return processStopOn(stop, keepEscapes).text;
      } catch (DockerfileException e) {
        throw peek() == EOF ? DockerfileException.of(missing) : e;
      }
    }

    private String replace(String name, String value) throws DockerfileException {
      boolean all = peek() == '/';
      if (all) {
        next();
      }
      String glob = closing('/', true, "syntax error: missing '/' in ${}");
      String replacement = closing('}', true, "syntax error: missing '}'");
      if (value == null && skipUnset) {
        return "${" + name + "/" + glob + "/" + replacement + "}";
      }
      String text = value == null ? "" : value;
      Matcher m = ShellPatterns.globRegex(glob).matcher(text);
      String literal = Matcher.quoteReplacement(replacement);
      return all ? m.replaceAll(literal) : m.replaceFirst(literal);
    }

    private String name() {
      StringBuilder name = new StringBuilder();
      while (peek() != EOF) {
        char ch = (char) peek();
        if (name.length() == 0 && Character.isDigit(ch)) {
          while (peek() != EOF && Character.isDigit((char) peek())) {
            name.append((char) next());
          }
          return name.toString();
        }
        if (name.length() == 0 && "@*#?-$!0".indexOf(ch) >= 0) {
          next();
          return String.valueOf(ch);
        }
        if (!Character.isLetterOrDigit(ch) && ch != '_') {
          break;
        }
        name.append((char) next());
      }
      return name.toString();
    }

    private String possibleHeredoc() {
      next();
      if (peek() != '<') {
        return "<";
      }
      next();
      StringBuilder out = new StringBuilder("<<");
      while (peek() == ' ' || peek() == '\t') {
        out.append((char) next());
      }
      return out.toString();
    }
  }
}
