package dev.lading.dockerfile;

import java.util.Objects;

/**
 * A here-document attached to a RUN, COPY or ADD line ({@code <<EOF ... EOF}).
 *
 * @param name the delimiter word, quotes removed ({@code EOF})
 * @param content the body, line ends kept; leading tabs already removed for {@code <<-}
 * @param expand false when the delimiter was quoted ({@code <<"EOF"}): COPY/ADD then copy the body
 *     without variable expansion
 * @param chomp whether it was written {@code <<-} (leading tabs stripped)
 * @param fileDescriptor the descriptor written before {@code <<} ({@code 3<<EOF}), 0 when none
 */
public record Heredoc(String name, String content, boolean expand, boolean chomp, int fileDescriptor) {
  public Heredoc {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(content, "content");
  }

  /** This heredoc with another body (after expansion). */
  Heredoc withContent(String newContent) {
    return new Heredoc(name, newContent, expand, chomp, fileDescriptor);
  }

  /** A {@code <<NAME} word as found on an instruction line, before its body is read. */
  record Marker(String name, boolean chomp, boolean expand, int fd) {}
}
