package dev.lading.dockerfile;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One build stage: its {@code FROM} and the instructions up to the next {@code FROM}.
 *
 * @param index the stage's position, 0-based (what {@code COPY --from=0} names)
 * @param from its FROM instruction
 * @param instructions the instructions of the stage, in order, FROM excluded
 */
public record Stage(int index, Instruction.From from, List<Instruction> instructions) {
  public Stage {
    Objects.requireNonNull(from, "from");
    instructions = List.copyOf(instructions);
  }

  /** The {@code AS} name, lower case, when given. */
  public Optional<String> name() {
    return from.stageName();
  }

  /** The base as written ({@code $VAR} unexpanded): an image, {@code scratch} or a stage name. */
  public String baseImage() {
    return from.image();
  }

  /** The {@code --platform} value as written, when given. */
  public Optional<String> platform() {
    return from.platform();
  }

  /** Whether {@code reference} (a name, or an index) designates this stage. */
  public boolean isCalled(String reference) {
    return reference.equalsIgnoreCase(name().orElse("\0")) || reference.equals(Integer.toString(index));
  }
}
