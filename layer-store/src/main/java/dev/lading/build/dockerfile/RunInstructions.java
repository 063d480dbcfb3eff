package dev.lading.build.dockerfile;

import dev.lading.dockerfile.Instruction;
import dev.lading.exec.Emulation;
import dev.lading.exec.ExecutorChoice;
import dev.lading.model.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a RUN instruction runs, whether it can run here, and what it asks that no RUN step keeps:
 * decided from the instruction and the stage's settings, before anything runs.
 */
final class RunInstructions {
  /** Programs whose work a RUN step cannot keep: see {@link #lostAttributes}. */
  private static final Pattern EXTENDED_ATTRIBUTE_TOOLS =
      Pattern.compile("(?<![\\w.-])(setcap|setfattr)(?![\\w.-])");

  /** Package managers whose maintainer scripts may set file capabilities. */
  private static final Pattern PACKAGE_TOOLS =
      Pattern.compile("(?<![\\w.-])(apt-get|apt|aptitude|dpkg)(?![\\w.-])");

  private RunInstructions() {}

  /**
   * The shell-form command through SHELL ({@code shell}); a lone heredoc ({@code RUN <<EOF}) is the
   * script itself.
   */
  static List<String> shellCommand(Instruction.Run r, List<String> shell) {
    String text = r.command().text();
    if (!r.heredocs().isEmpty()) {
      String marker = text.strip();
      if (r.heredocs().size() == 1 && marker.matches("<<-?[\"']?" + Pattern.quote(
          r.heredocs().get(0).name()) + "[\"']?")) {
        text = r.heredocs().get(0).content();
      } else {
        // The shell reads the here-documents itself, as BuildKit hands them over.
        StringBuilder script = new StringBuilder(text);
        for (var heredoc : r.heredocs()) {
          script.append('\n').append(heredoc.content());
          if (!heredoc.content().endsWith("\n")) {
            script.append('\n');
          }
          script.append(heredoc.name());
        }
        text = script.toString();
      }
    }
    List<String> argv = new ArrayList<>(shell);
    argv.add(text);
    return argv;
  }

  /**
   * A warning for a step that calls setfattr: it writes extended attributes, which fakeroot keeps in
   * its daemon's memory only (its state file has no field for them) and an unprivileged build cannot
   * write to disk, so the layer would silently lack them. File capabilities (setcap) are kept: see
   * {@link #setsCapabilities}.
   */
  static Optional<String> lostAttributes(Instruction.Run r) {
    Matcher m = EXTENDED_ATTRIBUTE_TOOLS.matcher(r.command().text());
    while (m.find()) {
      if (m.group(1).equals("setfattr")) {
        return Optional.of("line " + r.location().line() + ": RUN calls setfattr, but the extended"
            + " attributes a RUN step sets are not kept in its layer (fakeroot holds them in memory"
            + " only); only file capabilities, set with setcap, are kept");
      }
    }
    return Optional.empty();
  }

  /**
   * Whether a step calls setcap: its file capabilities live in fakeroot's daemon only, so before the
   * daemon stops the step asks for them ({@link #withCapabilityQuery}). Only then, as the query
   * reads every file's attributes (about 1.5 s for a Debian base).
   */
  static boolean setsCapabilities(Instruction.Run r) {
    Matcher m = EXTENDED_ATTRIBUTE_TOOLS.matcher(r.command().text());
    while (m.find()) {
      if (m.group(1).equals("setcap")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a step installs Debian packages, whose maintainer scripts may call setcap (iputils-ping's
   * does for ping when libcap2-bin is installed): its query runs only if a script of the image's
   * dpkg database names setcap.
   */
  static boolean installsPackages(Instruction.Run r) {
    return PACKAGE_TOOLS.matcher(r.command().text()).find();
  }

  /**
   * {@code argv} run by the image's shell, followed in the same session (so by the same faked) by
   * the image's {@code getcap -r} over every top-level directory but the host's /proc, /sys and
   * /dev (and {@code getcap} of each top-level file; links are not followed), each line it prints
   * led by {@code marker}; the step's exit code is kept. With {@code ifScriptsCallSetcap}, the query
   * runs only if a maintainer script in /var/lib/dpkg/info names setcap.
   */
  static List<String> withCapabilityQuery(List<String> argv, String marker, boolean ifScriptsCallSetcap) {
    String script = "\"$@\"\n"
        + "s=$?\n"
        + (ifScriptsCallSetcap ? "grep -qs setcap /var/lib/dpkg/info/*.postinst || exit $s\n" : "")
        + "for d in /*; do\n"
        + "  case \"$d\" in /proc|/sys|/dev) continue ;; esac\n"
        + "  if [ -L \"$d\" ]; then continue; fi\n"
        + "  if [ -d \"$d\" ]; then getcap -r \"$d\"; elif [ -f \"$d\" ]; then getcap \"$d\"; fi 2>/dev/null\n"
        + "done | while IFS= read -r l; do printf '%s %s\\n' '" + marker + "' \"$l\"; done\n"
        + "exit $s\n";
    List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", script, "lading-run"));
    wrapped.addAll(argv);
    return wrapped;
  }

  /**
   * Fails a RUN of a stage whose image is for another operating system, or for another machine when
   * no emulator is installed or fakechroot was asked for (only proot runs emulated programs).
   */
  static void requireRunnable(Instruction.Run r, Platform image, ExecutorChoice.Kind executor)
      throws BuildException {
    Platform host = Platform.current();
    boolean otherOs = image.os() != null && !image.os().equals(host.os());
    if (!otherOs && !Emulation.needed(image)) {
      return;
    }
    boolean emulated = !otherOs && Emulation.emulator(image).isPresent();
    if (emulated && executor != ExecutorChoice.Kind.FAKECHROOT) {
      return;
    }
    String why = otherOs ? "Lading runs no programs of another operating system"
        : emulated ? "--executor fakechroot cannot run another machine's programs; use --executor proot"
            + " (or auto), which runs them with " + Emulation.emulator(image).get()
        : "no emulator for " + image.architecture() + " is installed. Install qemu's user-mode"
            + " emulators (apt-get install qemu-user-static proot) and Lading runs the step with proot"
            + " and qemu, or build on a " + image + " machine";
    throw new BuildException("line " + r.location().line() + ": RUN cannot run here: the stage's"
        + " image is for " + image + " and this machine is " + host + "; " + why + ". Or build for "
        + host + " (--platform " + host + ", or FROM --platform=" + host + " in a stage of build tools"
        + " whose output a " + image + " stage copies with COPY --from): a stage for another platform"
        + " builds when it has no RUN");
  }
}
