package dev.lading.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@code .dockerignore}: which context paths a build leaves out, matched as
 * moby/patternmatcher does it.
 *
 * <p>Lines starting with {@code #} are comments; each pattern is cleaned like Go's
 * {@code filepath.Clean} (so {@code ./a/}, {@code /a} and {@code a} are the same); {@code *} and
 * {@code ?} do not cross {@code /}; {@code **} crosses any number of directories; {@code [a-z]}
 * classes and {@code \} escapes work as in {@code filepath.Match}; a pattern matching a directory
 * excludes everything under it; a later {@code !pattern} re-includes what it matches. The last
 * matching pattern decides.
 */
public final class DockerIgnore {
  private record Rule(String pattern, boolean exception, Pattern regex) {}

  private final List<Rule> rules;

  private DockerIgnore(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** Nothing ignored: the matcher for a context without {@code .dockerignore}. */
  public static DockerIgnore empty() {
    return new DockerIgnore(List.of());
  }

  /**
   * The matcher of patterns given one by one (COPY's {@code --exclude}): as {@code .dockerignore}
   * lines, but none is a comment.
   *
   * @param what what gives them, for messages ({@code COPY --exclude})
   * @throws DockerfileException for a pattern that cannot be used
   */
  public static DockerIgnore of(List<String> patterns, String what) throws DockerfileException {
    List<Rule> rules = new ArrayList<>();
    for (String pattern : patterns) {
      rules.add(rule(pattern, what));
    }
    return new DockerIgnore(rules);
  }

  /**
   * Parses {@code .dockerignore} text.
   *
   * @throws DockerfileException naming the line of a pattern that cannot be used
   */
  public static DockerIgnore parse(String text) throws DockerfileException {
    List<Rule> rules = new ArrayList<>();
    String[] lines = (text.startsWith("\uFEFF") ? text.substring(1) : text).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith("#")) {
        continue;
      }
      String pattern = line.strip();
      if (pattern.isEmpty()) {
        continue;
      }
      try {
        rules.add(rule(pattern, ".dockerignore"));
      } catch (DockerfileException e) {
        throw new DockerfileException(i + 1, null, e.problem());
      }
    }
    return new DockerIgnore(rules);
  }

  /** One pattern, {@code !} for an exception; {@code what} names where it came from in errors. */
  private static Rule rule(String written, String what) throws DockerfileException {
    String pattern = written.strip();
    boolean exception = pattern.startsWith("!");
    if (exception) {
      pattern = pattern.substring(1).strip();
      if (pattern.isEmpty()) {
        throw DockerfileException.of(what + ": illegal exclusion pattern: \"!\"; write the path to"
            + " re-include after !");
      }
    }
    pattern = clean(pattern);
    if (pattern.length() > 1 && pattern.startsWith("/")) {
      pattern = pattern.substring(1);
    }
    try {
      return new Rule(pattern, exception, Pattern.compile(regex(pattern), Pattern.DOTALL));
    } catch (IllegalArgumentException e) {
      throw DockerfileException.of(what + ": syntax error in pattern \"" + written.strip()
          + "\"; check its [ ] classes and \\ escapes");
    }
  }

  /** The patterns, cleaned, exceptions with their {@code !}. */
  public List<String> patterns() {
    return rules.stream().map(r -> (r.exception ? "!" : "") + r.pattern).toList();
  }

  /**
   * Whether the build leaves this path out.
   *
   * @param relativePath the path in the context, {@code /}-separated ({@code ./} and a leading
   *     {@code /} are ignored)
   * @param isDirectory whether the path is a directory; patterns match files and directories alike
   *     (as in Docker), see {@link #mayReinclude} for walking into an excluded directory
   */
  public boolean excluded(String relativePath, boolean isDirectory) {
    String file = clean(relativePath);
    if (file.startsWith("/")) {
      file = file.length() == 1 ? "." : file.substring(1);
    }
    int slash = file.lastIndexOf('/');
    String parent = slash < 0 ? "." : file.substring(0, slash);
    String[] parentDirs = parent.split("/");
    boolean matched = false;
    for (Rule rule : rules) {
      // Only an exception can undo a match, only a plain pattern can make one.
      if (rule.exception != matched) {
        continue;
      }
      boolean match = rule.regex.matcher(file).matches();
      if (!match && !parent.equals(".")) {
        StringBuilder prefix = new StringBuilder();
        for (String dir : parentDirs) {
          if (prefix.length() > 0) {
            prefix.append('/');
          }
          prefix.append(dir);
          if (rule.regex.matcher(prefix).matches()) {
            match = true;
            break;
          }
        }
      }
      if (match) {
        matched = !rule.exception;
      }
    }
    return matched;
  }

  /**
   * Whether something under an excluded directory could be re-included by a {@code !} pattern, so
   * a walker must still descend into it.
   */
  public boolean mayReinclude(String directory) {
    return mayMatchUnder(directory, true);
  }

  /**
   * Whether a (plain) pattern could match something under {@code directory}, so that a walker
   * looking for what the patterns name ({@code COPY --parents}) must descend into it.
   */
  public boolean mayMatchUnder(String directory) {
    return mayMatchUnder(directory, false);
  }

  private boolean mayMatchUnder(String directory, boolean exceptions) {
    String dir = clean(directory);
    for (Rule rule : rules) {
      if (rule.exception != exceptions) {
        continue;
      }
      if (dir.equals(".") || rule.pattern.startsWith("**") || rule.pattern.startsWith(dir + "/")
          || !literalPrefix(rule.pattern).contains("/") && hasWildcard(rule.pattern)) {
        return true;
      }
      // The directory's names match the pattern's first parts, and the pattern goes deeper (a
      // "**" goes any depth).
      String[] parts = rule.pattern.split("/");
      String[] dirParts = dir.split("/");
      for (int i = 0; i < parts.length; i++) {
        if (parts[i].equals("**") || i >= dirParts.length) {
          return true;
        }
        if (!Pattern.compile(regexOrLiteral(parts[i])).matcher(dirParts[i]).matches()) {
          break;
        }
      }
    }
    return false;
  }

  private static String regexOrLiteral(String part) {
    try {
      String re = regex(part);
      Pattern.compile(re);
      return re;
    } catch (RuntimeException e) {
      return Pattern.quote(part);
    }
  }

  private static boolean hasWildcard(String pattern) {
    return pattern.contains("*") || pattern.contains("?") || pattern.contains("[");
  }

  private static String literalPrefix(String pattern) {
    int i = 0;
    while (i < pattern.length() && "*?[\\".indexOf(pattern.charAt(i)) < 0) {
      i++;
    }
    return pattern.substring(0, i);
  }

  /** The pattern as an anchored regular expression that also matches anything below a match. */
  private static String regex(String pattern) {
    StringBuilder re = new StringBuilder("^");
    int n = pattern.length();
    for (int i = 0; i < n; i++) {
      char ch = pattern.charAt(i);
      if (ch == '*') {
        if (i + 1 < n && pattern.charAt(i + 1) == '*') {
          i++;
          if (i + 1 < n && pattern.charAt(i + 1) == '/') {
            i++; // "**/" is "**"
          }
          re.append(i + 1 == n ? ".*" : "(.*/)?");
        } else {
          re.append("[^/]*");
        }
      } else if (ch == '?') {
        re.append("[^/]");
      } else if (ch == '\\') {
        if (i + 1 < n) {
          re.append(quote(pattern.charAt(++i)));
        } else {
          re.append("\\\\");
        }
      } else if (ch == '[') {
        i = charClass(pattern, i, re);
      } else {
        re.append(quote(ch));
      }
    }
    return re.append("(/.*)?$").toString();
  }

  /** Copies a {@code [...]} class (Go syntax: {@code ^} negates) as a Java class; returns its end. */
  private static int charClass(String pattern, int start, StringBuilder re) {
    int i = start + 1;
    StringBuilder cls = new StringBuilder("[");
    if (i < pattern.length() && pattern.charAt(i) == '^') {
      cls.append('^');
      i++;
    }
    boolean any = false;
    for (; i < pattern.length(); i++) {
      char ch = pattern.charAt(i);
      if (ch == ']' && any) {
        re.append(cls).append(']');
        return i;
      }
      if (ch == '\\' && i + 1 < pattern.length()) {
        ch = pattern.charAt(++i);
        cls.append(quote(ch));
      } else if (ch == '-' && any && i + 1 < pattern.length() && pattern.charAt(i + 1) != ']') {
        cls.append('-');
      } else if (ch == '/' || ch == ']') {
        throw new IllegalArgumentException("bad class");
      } else {
        cls.append(quote(ch));
      }
      any = true;
    }
    throw new IllegalArgumentException("unterminated class");
  }

  private static String quote(char ch) {
    return Character.isLetterOrDigit(ch) || ch > 0x7f ? String.valueOf(ch) : "\\" + ch;
  }

  /** Go's path.Clean: no {@code .} or empty elements, {@code ..} resolved lexically. */
  static String clean(String path) {
    if (path.isEmpty()) {
      return ".";
    }
    boolean rooted = path.startsWith("/");
    List<String> out = new ArrayList<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
        } else if (!rooted) {
          out.add("..");
        }
        continue;
      }
      out.add(part);
    }
    String joined = String.join("/", out);
    if (rooted) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }
}
