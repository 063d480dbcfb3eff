package dev.lading.dockerfile;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The shell patterns of {@code ${v#p}}, {@code ${v%p}} and {@code ${v/p/r}}: {@code *}, {@code ?}, escapes. */
final class ShellPatterns {
  private ShellPatterns() {}

  /** {@code ${v#glob}} and friends: the shortest (or, greedy, longest) match removed from one end. */
  static String trim(String value, String glob, boolean prefix, boolean greedy)
      throws DockerfileException {
    Pattern p = globRegex(glob);
    int n = value.length();
    for (int k = 0; k <= n; k++) {
      int len = greedy ? n - k : k;
      String part = prefix ? value.substring(0, len) : value.substring(n - len);
      if (p.matcher(part).matches()) {
        return prefix ? value.substring(len) : value.substring(0, n - len);
      }
    }
    return value;
  }

  static Pattern globRegex(String glob) throws DockerfileException {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        re.append(".*");
      } else if (c == '?') {
        re.append('.');
      } else if (c == '\\') {
        char n = i + 1 < glob.length() ? glob.charAt(i + 1) : 0;
        if (n == '}' || n == '/') {
          continue;
        }
        if (n != '*' && n != '?' && n != '\\') {
          throw DockerfileException.of("invalid pattern (" + glob + ") in substitution: invalid escape");
        }
        re.append('\\').append(n);
        i++;
      } else if (Character.isLetterOrDigit(c)) {
        re.append(c);
      } else {
        re.append('\\').append(c);
      }
    }
    try {
      return Pattern.compile(re.toString(), Pattern.DOTALL);
    } catch (PatternSyntaxException e) {
      throw DockerfileException.of("invalid pattern (" + glob + ") in substitution");
    }
  }
}
