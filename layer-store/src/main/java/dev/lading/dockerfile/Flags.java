package dev.lading.dockerfile;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code --name[=value]} flags of one instruction, checked against the flags it knows, as
 * BuildKit's BFlags does.
 */
final class Flags {
  enum Kind { STRING, BOOL, REPEATED }

  private final Map<String, Kind> known = new LinkedHashMap<>();
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  Flags string(String name) {
    known.put(name, Kind.STRING);
    return this;
  }

  Flags bool(String name) {
    known.put(name, Kind.BOOL);
    return this;
  }

  Flags repeated(String name) {
    known.put(name, Kind.REPEATED);
    return this;
  }

  /** Reads the flag words; an unknown, repeated or malformed flag is an error. */
  Flags parse(List<String> words) throws DockerfileException {
    for (String word : words) {
      if (!word.startsWith("--")) {
        throw DockerfileException.of("arg should start with -- : " + word);
      }
      String body = word.substring(2);
      int eq = body.indexOf('=');
      String name = eq < 0 ? body : body.substring(0, eq);
      String value = eq < 0 ? null : body.substring(eq + 1);
      Kind kind = known.get(name);
      if (kind == null) {
        String hint = known.isEmpty() ? "this instruction takes no flags"
            : "known flags: --" + String.join(", --", known.keySet());
        throw DockerfileException.of("unknown flag: --" + name + " (" + hint + ")");
      }
      if (kind != Kind.REPEATED && values.containsKey(name)) {
        throw DockerfileException.of("duplicate flag specified: --" + name);
      }
      if (kind == Kind.BOOL) {
        if (value == null) {
          value = "true";
        } else if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw DockerfileException.of("expecting boolean value for flag --" + name + ", not: " + value);
        }
        value = value.toLowerCase(java.util.Locale.ROOT);
      } else if (value == null) {
        throw DockerfileException.of("missing a value on flag: --" + name);
      }
      values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return this;
  }

  Optional<String> get(String name) {
    List<String> v = values.get(name);
    return v == null ? Optional.empty() : Optional.of(v.get(0));
  }

  boolean isTrue(String name) {
    return get(name).map("true"::equals).orElse(false);
  }

  List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  /** A Go duration ({@code 30s}, {@code 1m30s}, {@code 1.5h}, {@code 500ms}, {@code 0}). */
  static Duration goDuration(String text) throws DockerfileException {
    String s = text;
    boolean negative = false;
    if (s.startsWith("-") || s.startsWith("+")) {
      negative = s.startsWith("-");
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw DockerfileException.of("invalid duration \"" + text + "\"");
    }
    BigDecimal nanos = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(start, i);
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      long unit = unitNanos(s.substring(unitStart, i));
      if (number.isEmpty() || number.equals(".") || unit == 0 || number.indexOf('.') != number.lastIndexOf('.')) {
        throw DockerfileException.of("invalid duration \"" + text + "\"; write it like 30s, 1m30s or 500ms");
      }
      nanos = nanos.add(new BigDecimal(number).multiply(BigDecimal.valueOf(unit)));
      if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw DockerfileException.of("invalid duration \"" + text + "\": too long");
      }
    }
    long n = nanos.longValue();
    return Duration.ofNanos(negative ? -n : n);
  }

  private static long unitNanos(String unit) {
    switch (unit) {
      case "ns": return 1L;
      case "us": case "\u00b5s": case "\u03bcs": return 1_000L;
      case "ms": return 1_000_000L;
      case "s": return 1_000_000_000L;
      case "m": return 60_000_000_000L;
      case "h": return 3_600_000_000_000L;
      default: return 0;
    }
  }
}
