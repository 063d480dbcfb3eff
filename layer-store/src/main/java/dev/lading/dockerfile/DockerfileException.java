package dev.lading.dockerfile;

/**
 * The one error of this package: a Dockerfile (or a .dockerignore, or an expansion) that cannot be
 * used, with the line and the instruction it concerns and what to do about it.
 */
public final class DockerfileException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int line;
  private final String instruction;
  private final String problem;

  /**
   * @param line the 1-based line the problem starts on, 0 when no line applies
   * @param instruction the instruction keyword as written (upper-cased), or null
   * @param problem what is wrong and, where it helps, what to do
   */
  public DockerfileException(int line, String instruction, String problem) {
    super(format(line, instruction, problem));
    this.line = line;
    this.instruction = instruction;
    this.problem = problem;
  }

  /** A problem not yet tied to a line; the parser locates it with {@link #at}. */
  static DockerfileException of(String problem) {
    return new DockerfileException(0, null, problem);
  }

  /** This problem, located on {@code line} in {@code instruction} unless it was located already. */
  DockerfileException at(int line, String instruction) {
    if (this.line > 0) {
      return this;
    }
    return new DockerfileException(line, instruction == null ? this.instruction : instruction, problem);
  }

  /** The 1-based line, or 0 when the problem is not tied to a line. */
  public int line() {
    return line;
  }

  /** The instruction keyword (upper case), or null. */
  public String instruction() {
    return instruction;
  }

  /** The problem without the location prefix. */
  public String problem() {
    return problem;
  }

  private static String format(int line, String instruction, String problem) {
    StringBuilder message = new StringBuilder();
    if (line > 0) {
      message.append("line ").append(line).append(": ");
    }
    if (instruction != null && !problem.startsWith(instruction)) {
      message.append(instruction).append(": ");
    }
    return message.append(problem).toString();
  }
}
