package dev.lading.dockerfile;

import java.util.ArrayList;
import java.util.List;

/**
 * The value of COPY's and ADD's {@code --chmod}: an octal mode ({@code 0755}), which every copied
 * item gets, or a symbolic one ({@code +x}, {@code u=rwX,go=rX}, {@code g=u}; Dockerfile 1.14),
 * which changes each item's own mode as {@code chmod(1)} would. Symbolic modes follow BSD's
 * {@code setmode(3)} with a umask of 0, which the Dockerfile reference points to and BuildKit's copier
 * ports: no "who" means all, {@code X} adds execute to directories and to files already executable
 * by someone (and only ever adds, {@code -X} changes nothing), {@code s} and {@code t} are ignored
 * for "other" alone. (BuildKit's port drops {@code X} after {@code =}, so its {@code u=rwX,go=rX}
 * leaves directories 644 where the reference says 755; this follows the reference.)
 */
public final class ChmodFlag {
  private static final int SUID = 04000;
  private static final int SGID = 02000;
  private static final int STICKY = 01000;
  private static final int USER = 0700;
  private static final int GROUP = 070;
  private static final int OTHER = 07;
  private static final int STANDARD = SUID | SGID | USER | GROUP | OTHER;
  private static final int EXECUTE = 0111;

  /** One step of a symbolic mode: add, remove, X (add if executable), or copy u, g or o bits. */
  private record Command(char op, int bits, boolean copyToUser, boolean copyToGroup, boolean copyToOther,
      boolean set, boolean clear) {}

  private final String text;
  private final Integer octal;
  private final List<Command> commands;

  private ChmodFlag(String text, Integer octal, List<Command> commands) {
    this.text = text;
    this.octal = octal;
    this.commands = List.copyOf(commands);
  }

  /**
   * Parses a {@code --chmod} value.
   *
   * @throws IllegalArgumentException saying what is wrong, for a value that is neither form
   */
  public static ChmodFlag parse(String value) {
    if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
      try {
        int mode = Integer.parseInt(value, 8);
        if (mode <= 07777) {
          return new ChmodFlag(value, mode, List.of());
        }
      } catch (NumberFormatException notOctal) {
        // an 8 or 9, or too long: said below
      }
      throw new IllegalArgumentException("--chmod=" + value + " is not an octal mode between 0 and 07777");
    }
    return new ChmodFlag(value, null, new Parser(value).parse());
  }

  /** The mode an item of mode {@code mode} (permission bits, 07777) gets. */
  public int apply(int mode, boolean directory) {
    if (octal != null) {
      return octal;
    }
    int result = mode & 07777;
    for (Command c : commands) {
      switch (c.op) {
        case '+' -> result |= c.bits;
        case '-' -> result &= ~c.bits;
        case 'X' -> {
          if (directory || (mode & EXECUTE) != 0) {
            result |= c.bits;
          }
        }
        default -> { // copy the u, g or o bits
          int value = switch (c.op) {
            case 'u' -> (result & USER) >> 6;
            case 'g' -> (result & GROUP) >> 3;
            default -> result & OTHER;
          };
          if (c.clear) {
            int cleared = c.set ? OTHER : value;
            result &= ~(((c.copyToUser ? cleared << 6 : 0) | (c.copyToGroup ? cleared << 3 : 0)
                | (c.copyToOther ? cleared : 0)) & c.bits);
          }
          if (c.set) {
            result |= ((c.copyToUser ? value << 6 : 0) | (c.copyToGroup ? value << 3 : 0)
                | (c.copyToOther ? value : 0)) & c.bits;
          }
        }
      }
    }
    return result;
  }

  @Override
  public String toString() {
    return text;
  }

  /** setmode(3)'s parser: clauses separated by commas, each "who" then op-and-perms groups. */
  private static final class Parser {
    private final String text;
    private final List<Command> commands = new ArrayList<>();
    private int at;

    Parser(String text) {
      this.text = text;
    }

    List<Command> parse() {
      if (text.isEmpty()) {
        throw invalid();
      }
      while (true) {
        int who = 0;
        for (boolean more = true; more && at < text.length(); ) {
          switch (text.charAt(at)) {
            case 'a' -> who |= STANDARD;
            case 'u' -> who |= SUID | USER;
            case 'g' -> who |= SGID | GROUP;
            case 'o' -> who |= OTHER;
            default -> more = false;
          }
          if (more) {
            at++;
          }
        }
        if (!clause(who)) {
          return commands;
        }
      }
    }

    /** The op-and-perms groups after one "who" ({@code u+r-w}); false at the end of the text. */
    private boolean clause(int whoWritten) {
      char op = op();
      int who = whoWritten;
      int perm = 0;
      int permX = 0;
      boolean equalDone = false;
      while (true) {
        char c = at < text.length() ? text.charAt(at) : 0;
        switch (c) {
          case 'r' -> perm |= 0444;
          case 'w' -> perm |= 0222;
          case 'x' -> perm |= EXECUTE;
          case 'X' -> permX = EXECUTE;
          case 's' -> {
            if (who == 0 || (who & ~OTHER) != 0) {
              perm |= SUID | SGID;
            }
          }
          case 't' -> {
            if (who == 0 || (who & ~OTHER) != 0) {
              who |= STICKY;
              perm |= STICKY;
            }
          }
          case 'u', 'g', 'o' -> {
            if (perm != 0) {
              add(op, who, perm);
              perm = 0;
            }
            if (op == '=') {
              equalDone = true;
            }
            if (op == '+' && permX != 0) {
              add('X', who, permX);
              permX = 0;
            }
            commands.add(new Command(c, ~0, who == 0 || (who & 0400) != 0, who == 0 || (who & 040) != 0,
                who == 0 || (who & 04) != 0, op != '-', op != '+'));
          }
          default -> {
            if (perm != 0 || (op == '=' && !equalDone)) {
              add(op, who, perm);
            }
            if (permX != 0) {
              add('X', who, permX);
            }
            if (c == 0) {
              return false;
            }
            if (c == ',') {
              at++;
              return true;
            }
            op = op(); // another op for the same who
            who = whoWritten;
            perm = 0;
            permX = 0;
            equalDone = false;
            continue;
          }
        }
        at++;
      }
    }

    private char op() {
      char op = at < text.length() ? text.charAt(at++) : 0;
      if (op != '+' && op != '-' && op != '=') {
        throw invalid();
      }
      return op;
    }

    private void add(char op, int who, int perm) {
      int affected = who != 0 ? who : ~0; // umask 0: no "who" is every bit
      if (op == '=') {
        commands.add(new Command('-', who != 0 ? who : STANDARD, false, false, false, false, false));
        op = '+';
      }
      commands.add(new Command(op, affected & perm, false, false, false, false, false));
    }

    private IllegalArgumentException invalid() {
      return new IllegalArgumentException("--chmod=" + text + " is neither an octal mode (such as 0755)"
          + " nor a symbolic one (such as u=rwX,go=rX or +x)");
    }
  }
}
