package dev.lading.dockerfile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed Dockerfile: the global ARGs before the first FROM and the build stages. Parsing reads
 * only the given text; nothing is expanded yet (see {@link Expander}).
 */
public final class Dockerfile {
  private final List<Instruction.Arg> globalArgs;
  private final List<Stage> stages;
  private final char escape;

  private Dockerfile(List<Instruction.Arg> globalArgs, List<Stage> stages, char escape) {
    this.globalArgs = List.copyOf(globalArgs);
    this.stages = List.copyOf(stages);
    this.escape = escape;
  }

  /**
   * The text of the Dockerfile at {@code file}, which must be UTF-8 (as Docker reads it).
   *
   * @throws IOException when it cannot be read, or naming the line and column of the first bytes
   *     that are not UTF-8
   */
  public static String read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int at = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw new IOException(file + " is not UTF-8: line " + line + ", byte " + (at - lineStart + 1)
          + String.format(" (0x%02x)", bytes[at] & 0xff) + "; Docker reads Dockerfiles as UTF-8: save it so"
          + " (iconv -f latin1 -t utf8, say)");
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /**
   * Parses Dockerfile text.
   *
   * @throws DockerfileException naming the line and instruction of the first problem
   */
  public static Dockerfile parse(String text) throws DockerfileException {
    Objects.requireNonNull(text, "text");
    try {
      return parseChecked(text);
    } catch (DockerfileException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // A defect here must still reach the user as a Dockerfile problem, not as a crash.
      throw new DockerfileException(0, null, "cannot parse this Dockerfile (" + e + ")");
    }
  }

  /** As {@link #parse}, without the safety net, so tests can see any defect. */
  static Dockerfile parseChecked(String text) throws DockerfileException {
    LineParser.Result lines = LineParser.parse(text);
    InstructionParser parser = new InstructionParser(lines.escape());
    List<Instruction.Arg> globals = new ArrayList<>();
    List<Stage> stages = new ArrayList<>();
    Instruction.From from = null;
    List<Instruction> current = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (LineParser.RawLine raw : lines.lines()) {
      Instruction instruction = parser.parse(raw);
      if (instruction instanceof Instruction.From next) {
        if (from != null) {
          stages.add(new Stage(stages.size(), from, current));
        }
        if (next.stageName().isPresent() && !names.add(next.stageName().get())) {
          throw new DockerfileException(raw.startLine(), "FROM", "duplicate stage name \""
              + next.stageName().get() + "\"; give each stage its own name");
        }
        from = next;
        current = new ArrayList<>();
      } else if (from != null) {
        current.add(instruction);
      } else if (instruction instanceof Instruction.Arg arg) {
        globals.add(arg);
      } else {
        throw new DockerfileException(raw.startLine(), instruction.keyword(),
            instruction.keyword() + " is not allowed before the first FROM (only ARG is); "
                + "start the stage with FROM");
      }
    }
    if (from == null) {
      throw new DockerfileException(lines.lines().isEmpty() ? 0 : lines.lines().get(0).startLine(),
          null, lines.lines().isEmpty() ? "the Dockerfile has no instructions; it needs at least FROM"
              : "the Dockerfile has no FROM; every build needs one stage");
    }
    stages.add(new Stage(stages.size(), from, current));
    return new Dockerfile(globals, stages, lines.escape());
  }

  /**
   * Parses one ONBUILD trigger of a base image's config (as Docker stores it: {@code RUN make},
   * heredoc bodies included), to run it at the start of a stage built on that image.
   *
   * @throws DockerfileException naming the trigger when it cannot be used
   */
  public static Instruction parseTrigger(String expression) throws DockerfileException {
    Objects.requireNonNull(expression, "expression");
    try {
      List<LineParser.RawLine> lines = LineParser.parse(expression).lines();
      if (lines.size() != 1) {
        throw DockerfileException.of("it must hold exactly one instruction");
      }
      Instruction trigger = new InstructionParser('\\').parse(lines.get(0));
      if (trigger instanceof Instruction.From || trigger instanceof Instruction.Onbuild
          || trigger instanceof Instruction.Maintainer) {
        throw DockerfileException.of(trigger.keyword() + " isn't allowed as an ONBUILD trigger");
      }
      return trigger;
    } catch (DockerfileException e) {
      throw new DockerfileException(0, "ONBUILD", "the base image's trigger \"" + expression
          + "\" cannot be used: " + e.getMessage());
    } catch (RuntimeException e) {
      throw new DockerfileException(0, "ONBUILD", "the base image's trigger \"" + expression
          + "\" cannot be parsed (" + e + ")");
    }
  }

  /** The ARG instructions before the first FROM: the only variables FROM lines can use. */
  public List<Instruction.Arg> globalArgs() {
    return globalArgs;
  }

  /** The stages, in order. */
  public List<Stage> stages() {
    return stages;
  }

  /** The escape character in force ({@code \} or, by directive, a backtick). */
  public char escape() {
    return escape;
  }

  /** The stage a name or index designates ({@code FROM name}, {@code COPY --from=name|index}). */
  public Optional<Stage> stage(String reference) {
    return stages.stream().filter(s -> s.isCalled(reference)).findFirst();
  }

  /**
   * The stage a FROM of stage {@code index} builds on, when its expanded base names an earlier
   * stage; empty when the base is an image (or {@code scratch}).
   */
  public Optional<Stage> baseStage(int index, String expandedBase) {
    return stages.stream().filter(s -> s.index() < index)
        .filter(s -> s.name().map(expandedBase::equalsIgnoreCase).orElse(false)).findFirst();
  }

  /** The stage built when no target is given: the last one. */
  public Stage lastStage() {
    return stages.get(stages.size() - 1);
  }
}
