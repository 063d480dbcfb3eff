package dev.lading.dockerfile;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Dockerfile text into logical instruction lines the way BuildKit's parser reads them:
 * parser directives, comments, line continuations, heredoc bodies and builder flags.
 */
final class LineParser {
  private static final Pattern DIRECTIVE = Pattern.compile("^([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$");
  private static final Pattern HEREDOC = Pattern.compile("^([0-9]*)<<(-?)\\s*([^<]*)$", Pattern.DOTALL);
  private static final Set<String> HEREDOC_KEYWORDS = Set.of("run", "copy", "add");

  /** One logical instruction line before its arguments are interpreted. */
  record RawLine(int startLine, int endLine, String keyword, List<String> flags, String args,
      String original, List<Heredoc> heredocs) {}

  /** The parsed text: its lines and the escape character in force. */
  record Result(List<RawLine> lines, char escape) {}

  private final List<String> physical;
  private int next;
  private char escape = '\\';
  private boolean directivesDone;
  private final Set<String> seenDirectives = new HashSet<>();

  private LineParser(String text) {
    this.physical = splitKeepingNewlines(text);
  }

  static Result parse(String text) throws DockerfileException {
    LineParser parser = new LineParser(text.startsWith("\uFEFF") ? text.substring(1) : text);
    List<RawLine> lines = parser.run();
    return new Result(lines, parser.escape);
  }

  private List<RawLine> run() throws DockerfileException {
    List<RawLine> out = new ArrayList<>();
    while (next < physical.size()) {
      int startLine = next + 1;
      String first = processLine(physical.get(next++), true);
      Continued c = trimContinuation(first);
      if (c.endOfLine && c.text.isEmpty()) {
        continue;
      }
      StringBuilder buf = new StringBuilder(c.text);
      boolean endOfLine = c.endOfLine;
      while (!endOfLine && next < physical.size()) {
        String raw = physical.get(next++);
        String line = processLine(raw, false);
        // Comment lines and blank lines inside a continuation are dropped, as BuildKit does.
        if (isComment(raw) || line.isBlank()) {
          continue;
        }
        Continued part = trimContinuation(line);
        buf.append(part.text);
        endOfLine = part.endOfLine;
      }
      String line = buf.toString();
      if (line.isBlank()) {
        continue;
      }
      out.add(logicalLine(line, startLine));
    }
    return out;
  }

  private RawLine logicalLine(String line, int startLine) throws DockerfileException {
    String trimmed = line.strip();
    String[] split = splitFirstWord(trimmed);
    String keyword = split[0];
    List<String> flags = new ArrayList<>();
    String args = split.length > 1 ? extractFlags(split[1], flags, escape).strip() : "";
    List<Heredoc> heredocs = List.of();
    if (mayHaveHeredoc(keyword, flags, args) && line.contains("<<")) {
      try {
        heredocs = readHeredocs(line);
      } catch (DockerfileException e) {
        throw e.at(startLine, keyword.toUpperCase(Locale.ROOT));
      }
    }
    return new RawLine(startLine, next, keyword, List.copyOf(flags), args, line, heredocs);
  }

  private boolean mayHaveHeredoc(String keyword, List<String> flags, String args)
      throws DockerfileException {
    String kw = keyword.toLowerCase(Locale.ROOT);
    if (kw.equals("onbuild")) {
      String[] sub = splitFirstWord(args);
      List<String> subFlags = new ArrayList<>();
      String subArgs = sub.length > 1 ? extractFlags(sub[1], subFlags, escape).strip() : "";
      return mayHaveHeredoc(sub[0], subFlags, subArgs) && !sub[0].equalsIgnoreCase("onbuild");
    }
    return HEREDOC_KEYWORDS.contains(kw) && !Json.isArray(args);
  }

  private List<Heredoc> readHeredocs(String line) throws DockerfileException {
    List<Heredoc> docs = new ArrayList<>();
    for (Heredoc.Marker marker : heredocMarkers(line)) {
      StringBuilder content = new StringBuilder();
      boolean terminated = false;
      while (next < physical.size()) {
        String raw = physical.get(next++);
        String candidate = stripNewline(raw);
        if (marker.chomp()) {
          candidate = candidate.replaceFirst("^\t+", "");
        }
        if (candidate.equals(marker.name())) {
          terminated = true;
          break;
        }
        content.append(raw);
      }
      if (!terminated) {
        throw DockerfileException.of("unterminated heredoc <<" + marker.name()
            + "; end it with a line holding only " + marker.name());
      }
      String text = marker.chomp() ? content.toString().replaceAll("(?m)^\t+", "") : content.toString();
      docs.add(new Heredoc(marker.name(), text, marker.expand(), marker.chomp(), marker.fd()));
    }
    return List.copyOf(docs);
  }

  /** The heredoc markers ({@code <<EOF}, {@code <<-"EOF"}, {@code 3<<EOF}) among a line's words. */
  static List<Heredoc.Marker> heredocMarkers(String line) throws DockerfileException {
    List<String> words;
    try {
      words = ShellLexer.of('\\').keepingQuotes().keepingEscapes().keepingUnset()
          .processWords(line, name -> null);
    } catch (DockerfileException e) {
      return List.of(); // as BuildKit: a line the lexer cannot split has no heredocs
    }
    List<Heredoc.Marker> markers = new ArrayList<>();
    for (String word : words) {
      Heredoc.Marker marker = marker(word);
      if (marker != null) {
        markers.add(marker);
      }
    }
    return markers;
  }

  /** The heredoc marker this word is, or null. */
  static Heredoc.Marker marker(String word) throws DockerfileException {
    Matcher m = HEREDOC.matcher(word);
    if (!m.matches() || m.group(3).isEmpty()) {
      return null;
    }
    int fd = 0;
    if (!m.group(1).isEmpty()) {
      try {
        fd = Integer.parseInt(m.group(1));
      } catch (NumberFormatException e) {
        fd = 0;
      }
    }
    ShellLexer lexer = ShellLexer.of('\\').keepingUnset();
    List<String> plain = lexer.processWords(m.group(3), name -> null);
    if (plain.size() != 1) {
      return null;
    }
    List<String> raw = lexer.keepingQuotes().processWords(m.group(3), name -> null);
    if (raw.size() != 1) {
      return null;
    }
    // A quoted delimiter (<<"EOF" or <<'EOF') means: do not expand the body.
    boolean expand = quotes(plain.get(0)) == quotes(raw.get(0));
    return new Heredoc.Marker(plain.get(0), m.group(2).equals("-"), expand, fd);
  }

  private static long quotes(String s) {
    return s.chars().filter(c -> c == '\'' || c == '"').count();
  }

  private String processLine(String raw, boolean stripLeft) throws DockerfileException {
    String line = stripNewline(raw);
    if (stripLeft) {
      line = stripLeading(line);
    }
    directive(line);
    return isComment(line) ? "" : line;
  }

  /** Parser directives are comments of the form {@code # key=value} before anything else. */
  private void directive(String line) throws DockerfileException {
    if (directivesDone) {
      return;
    }
    if (!line.startsWith("#")) {
      directivesDone = true;
      return;
    }
    Matcher m = DIRECTIVE.matcher(stripLeading(line.substring(1)));
    String key = m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : "";
    if (!key.equals("syntax") && !key.equals("escape") && !key.equals("check")) {
      directivesDone = true;
      return;
    }
    if (!seenDirectives.add(key)) {
      throw new DockerfileException(next, null,
          "only one " + key + " parser directive can be used; remove the repeated one");
    }
    if (key.equals("escape")) {
      String value = m.group(2);
      if (!value.equals("\\") && !value.equals("`")) {
        throw new DockerfileException(next, null,
            "invalid escape token '" + value + "' does not match ` or \\");
      }
      escape = value.charAt(0);
    }
    // syntax= names a frontend image and check= configures linting: neither changes parsing here.
  }

  private record Continued(String text, boolean endOfLine) {}

  private Continued trimContinuation(String line) {
    int end = line.length();
    while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
      end--;
    }
    if (end == 0 || line.charAt(end - 1) != escape) {
      return new Continued(line, true);
    }
    // An escaped escape character ("\\" at the end) is not a continuation.
    if (end >= 2 && line.charAt(end - 2) == escape) {
      return new Continued(line, true);
    }
    return new Continued(line.substring(0, end - 1), false);
  }

  /** Words starting with {@code --} before the arguments, as BuildKit's extractBuilderFlags. */
  static String extractFlags(String line, List<String> words, char escape) {
    int phase = 0; // 0: between words, 1: in a word, 2: in a quote
    StringBuilder word = new StringBuilder();
    char quote = 0;
    boolean blankOk = false;
    for (int pos = 0; pos <= line.length(); pos++) {
      char ch = pos < line.length() ? line.charAt(pos) : 0;
      if (phase == 0) {
        if (pos == line.length()) {
          break;
        }
        if (ShellLexer.isSpace(ch)) {
          continue;
        }
        if (ch != '-' || pos + 1 == line.length() || line.charAt(pos + 1) != '-') {
          return line.substring(pos);
        }
        phase = 1;
      }
      if (pos == line.length()) {
        if (!word.toString().equals("--") && (blankOk || word.length() > 0)) {
          words.add(word.toString());
        }
        break;
      }
      if (phase == 1) {
        if (ShellLexer.isSpace(ch)) {
          phase = 0;
          if (word.toString().equals("--")) {
            return line.substring(pos);
          }
          if (blankOk || word.length() > 0) {
            words.add(word.toString());
          }
          word.setLength(0);
          blankOk = false;
          continue;
        }
        if (ch == '\'' || ch == '"') {
          quote = ch;
          blankOk = true;
          phase = 2;
          continue;
        }
      } else if (ch == quote) {
        phase = 1;
        continue;
      }
      if (ch == escape) {
        if (pos + 1 == line.length()) {
          phase = 1;
          continue;
        }
        ch = line.charAt(++pos);
      }
      word.append(ch);
    }
    return "";
  }

  static String[] splitFirstWord(String text) {
    String s = text.strip();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == 0x0B) {
        return new String[] {s.substring(0, i), s.substring(i).strip()};
      }
    }
    return new String[] {s};
  }

  static boolean isComment(String line) {
    return stripLeading(line).startsWith("#");
  }

  private static String stripLeading(String s) {
    int i = 0;
    while (i < s.length() && ShellLexer.isSpace(s.charAt(i))) {
      i++;
    }
    return s.substring(i);
  }

  private static String stripNewline(String s) {
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
      end--;
    }
    return s.substring(0, end);
  }

  private static List<String> splitKeepingNewlines(String text) {
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        lines.add(text.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < text.length()) {
      lines.add(text.substring(start));
    }
    return lines;
  }
}
