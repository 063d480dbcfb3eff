package dev.lading.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235): a scheme ({@code bearer} or
 * {@code basic}, lower-cased) and its parameters (keys lower-cased, values unquoted).
 */
record AuthChallenge(String scheme, Map<String, String> params) {
  AuthChallenge {
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  String param(String name) {
    return params.get(name);
  }

  boolean isBearer() {
    return "bearer".equals(scheme);
  }

  boolean isBasic() {
    return "basic".equals(scheme);
  }

  /**
   * Parses every challenge in a header value, e.g. {@code Bearer realm="https://a/token",
   * service="reg",scope="repository:x:pull,push"} (quoted values may hold commas and escapes).
   * Unparseable trailing text is ignored rather than failing: the registry's 401 is reported anyway.
   */
  static List<AuthChallenge> parse(String header) {
    List<AuthChallenge> result = new ArrayList<>();
    if (header == null) {
      return result;
    }
    Cursor c = new Cursor(header);
    while (true) {
      c.skipSeparators();
      if (c.atEnd()) {
        return result;
      }
      String scheme = c.token();
      if (scheme.isEmpty()) {
        c.skipUnknown(); // garbage where a scheme should be: skip to the next comma
        continue;
      }
      Map<String, String> params = new LinkedHashMap<>();
      while (true) {
        c.skipWhitespace();
        int mark = c.pos;
        String key = c.token();
        c.skipWhitespace();
        if (key.isEmpty() || !c.consume('=')) {
          // Not "key=": the start of the next challenge (or token68 data, which we do not use).
          c.pos = mark;
          break;
        }
        c.skipWhitespace();
        String value = c.peek() == '"' ? c.quoted() : c.token();
        params.put(key.toLowerCase(Locale.ROOT), value);
        c.skipWhitespace();
        if (!c.consume(',')) {
          break;
        }
      }
      result.add(new AuthChallenge(scheme.toLowerCase(Locale.ROOT), params));
    }
  }

  /** A tiny scanner over the header text. */
  private static final class Cursor {
    private final String s;
    private int pos;

    Cursor(String s) {
      this.s = s;
    }

    boolean atEnd() {
      return pos >= s.length();
    }

    char peek() {
      return pos < s.length() ? s.charAt(pos) : '\0';
    }

    boolean consume(char ch) {
      if (peek() == ch) {
        pos++;
        return true;
      }
      return false;
    }

    void skipWhitespace() {
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
        pos++;
      }
    }

    void skipSeparators() {
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t' || s.charAt(pos) == ',')) {
        pos++;
      }
    }

    void skipUnknown() {
      pos++;
      while (pos < s.length() && s.charAt(pos) != ',') {
        pos++;
      }
    }

    String token() {
      int start = pos;
      while (pos < s.length() && isTokenChar(s.charAt(pos))) {
        pos++;
      }
      return s.substring(start, pos);
    }

    String quoted() {
      StringBuilder out = new StringBuilder();
      pos++; // opening quote
      while (pos < s.length()) {
        char ch = s.charAt(pos++);
        if (ch == '"') {
          return out.toString();
        }
        if (ch == '\\' && pos < s.length()) {
          ch = s.charAt(pos++);
        }
        out.append(ch);
      }
      return out.toString(); // unterminated: take what is there
    }

    private static boolean isTokenChar(char ch) {
      return ch > ' ' && ch < 127 && "()<>@,;:\\\"/[]?={}".indexOf(ch) < 0
          || ch == '/' || ch == ':'; // tolerate unquoted URLs and scopes, which some servers send
    }
  }
}
