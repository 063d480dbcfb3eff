package dev.lading.exec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * File capabilities from the text libcap's {@code getcap} prints ({@code cap_net_raw=ep}) to the
 * {@code security.capability} extended attribute the kernel keeps for them. When the only record
 * of a file's capabilities is getcap's output, this gives back the exact bytes a layer must carry
 * for the file to behave as it did where {@code setcap} ran.
 *
 * <p>The text is parsed as libcap 2.66's {@code cap_from_text(3)} does. The attribute written is
 * {@code struct vfs_cap_data} revision 2 (20 bytes, little-endian), what root's setcap stores on
 * the host; a {@code [rootid=N]} suffix (a namespaced, revision 3 capability) is dropped.
 */
public final class FileCapabilities {
  /**
   * One line of getcap's output.
   *
   * @param path the file, as getcap printed it
   * @param capability the {@code security.capability} attribute's bytes
   */
  public record Line(String path, byte[] capability) {}

  /** Capability names without the {@code cap_} prefix; the index is the capability's number. */
  private static final List<String> NAMES = List.of("chown", "dac_override", "dac_read_search",
      "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap", "linux_immutable",
      "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
      "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot",
      "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
      "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
      "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore");
  /** {@code all} (or no list before {@code =}): every named capability, as libcap on Linux 5.9+. */
  private static final long ALL = (1L << NAMES.size()) - 1;
  private static final int VFS_CAP_REVISION_2 = 0x02000000;
  private static final int VFS_CAP_FLAGS_EFFECTIVE = 0x000001;
  private static final int EFFECTIVE = 0;
  private static final int INHERITABLE = 1;
  private static final int PERMITTED = 2;
  /** Newer getcap ({@code -n}) appends the user namespace owning a revision 3 capability. */
  private static final Pattern ROOTID = Pattern.compile("\\s+\\[rootid=\\d+]\\s*$");

  private FileCapabilities() {}

  /**
   * The attribute for capability text such as {@code cap_net_raw,cap_net_admin=eip}.
   *
   * @throws IllegalArgumentException if libcap would not accept the text, or if the kernel cannot
   *     store it (an effective set that leaves out some permitted or inheritable capability: a
   *     file has a single effective bit, and setcap refuses such text too)
   */
  public static byte[] fromText(String text) {
    long[] sets = parse(text);
    long effective = sets[EFFECTIVE];
    long permitted = sets[PERMITTED];
    long inheritable = sets[INHERITABLE];
    if (effective != 0 && ((permitted | inheritable) & ~effective) != 0) {
      throw bad(text, "the effective set must be empty or include every permitted and inheritable"
          + " capability, since a file has a single effective bit");
    }
    return ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(VFS_CAP_REVISION_2 | (effective != 0 ? VFS_CAP_FLAGS_EFFECTIVE : 0))
        .putInt((int) permitted).putInt((int) inheritable)
        .putInt((int) (permitted >>> 32)).putInt((int) (inheritable >>> 32))
        .array();
  }

  /**
   * A line of {@code getcap} output, {@code PATH TEXT}. The path may itself hold spaces, so the
   * line is split at the first space that leaves an existing path on the left and capability text
   * on the right.
   *
   * @param pathExists whether a path, as getcap printed it, names a file
   * @return the file and its attribute, or empty if no split gives both
   */
  public static Optional<Line> parseGetcapLine(String line, Predicate<String> pathExists) {
    for (int space = line.indexOf(' '); space >= 0; space = line.indexOf(' ', space + 1)) {
      String path = line.substring(0, space);
      String text = line.substring(space + 1);
      if (!text.isBlank() && pathExists.test(path)) {
        try {
          return Optional.of(new Line(path, fromText(text)));
        } catch (IllegalArgumentException notCapabilities) {
          // the space belongs to the path; try the next one
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The effective, inheritable and permitted sets (indexed as the constants) the text leaves
   * when applied to empty sets: whitespace-separated clauses of a capability list followed by
   * operators ({@code = + -}) each with its flags ({@code e i p}).
   */
  private static long[] parse(String text) {
    String s = ROOTID.matcher(text).replaceFirst("");
    long[] sets = new long[3];
    int i = 0;
    int n = s.length();
    while (true) {
      while (i < n && isSpace(s.charAt(i))) {
        i++;
      }
      if (i == n) {
        return sets;
      }
      long list = 0;
      boolean listed = isWord(s.charAt(i));
      if (listed) {
        while (true) {
          int start = i;
          while (i < n && isWord(s.charAt(i))) {
            i++;
          }
          String name = s.substring(start, i);
          // as in libcap, "all" replaces (not adds to) the capabilities listed before it
          list = name.equalsIgnoreCase("all") ? ALL : list | 1L << capability(name, text);
          if (i == n || s.charAt(i) != ',') {
            break;
          }
          if (++i == n || !isWord(s.charAt(i))) {
            throw bad(text, "a capability must follow ','");
          }
        }
      } else {
        list = ALL; // "=ep" means every capability; "+ep" and "-ep" need a list
      }
      char op = i < n ? s.charAt(i++) : ' ';
      if (op == '=' && (i == n || isSpace(s.charAt(i)))) {
        for (int set = 0; set < 3; set++) {
          sets[set] &= ~list;
        }
        continue;
      }
      if (op != '=' && !(listed && (op == '+' || op == '-'))) {
        throw bad(text, listed ? "expected '=', '+' or '-' after the capabilities"
            : "expected a capability, or '=' for all of them");
      }
      while (true) {
        int flags = 0;
        for (; i < n && Character.isLetter(s.charAt(i)); i++) {
          int flag = "eip".indexOf(s.charAt(i));
          if (flag < 0) {
            throw bad(text, "'" + s.charAt(i) + "' is not a flag (e, i or p)");
          }
          flags |= 1 << flag;
        }
        if (flags == 0 && op != '=') { // "cap_chown=+i" is fine, "cap_chown+" is not
          throw bad(text, "'" + op + "' must be followed by flags (e, i or p)");
        }
        for (int set = 0; set < 3; set++) {
          if (op == '=') {
            sets[set] &= ~list;
          }
          if ((flags & (1 << set)) != 0) {
            sets[set] = op == '-' ? sets[set] & ~list : sets[set] | list;
          }
        }
        if (i == n || isSpace(s.charAt(i))) {
          break;
        }
        op = s.charAt(i++);
        if (!listed || (op != '+' && op != '-')) {
          throw bad(text, "unexpected '" + op + "' (a clause may go on with '+' or '-' only"
              + " after a list of capabilities)");
        }
      }
    }
  }

  /** The number of a capability named {@code cap_chown}, or a number as C's strtoul reads it. */
  private static int capability(String name, String text) {
    String lower = name.toLowerCase(Locale.ROOT);
    int number = lower.startsWith("cap_") ? NAMES.indexOf(lower.substring(4)) : -1;
    if (Character.isDigit(lower.charAt(0))) {
      try {
        number = lower.startsWith("0x") ? Integer.parseInt(lower.substring(2), 16)
            : lower.startsWith("0") && lower.length() > 1 ? Integer.parseInt(lower.substring(1), 8)
            : Integer.parseInt(lower);
      } catch (NumberFormatException notANumber) {
        number = -1;
      }
    }
    if (number < 0 || number >= 64) {
      throw bad(text, "unknown capability '" + name + "'");
    }
    return number;
  }

  private static boolean isWord(char c) {
    return c == '_' || (c < 128 && Character.isLetterOrDigit(c));
  }

  /** C's isspace: the text's separators. */
  private static boolean isSpace(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("cannot read file capabilities '" + text + "': " + why);
  }
}
