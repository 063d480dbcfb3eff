package dev.lading.build.dockerfile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A secret that {@code RUN --mount=type=secret} steps may read: the bytes of a file, or a value
 * (taken from an environment variable). It is shown to the step only, and never reaches a layer,
 * the image's history, the step cache key or the log.
 *
 * @param file the file holding it, or null
 * @param value its value, or null when {@code file} is given
 */
public record BuildSecret(Path file, String value) {
  public BuildSecret {
    if ((file == null) == (value == null)) {
      throw new IllegalArgumentException("a secret is a file or a value");
    }
  }

  public static BuildSecret file(Path file) {
    return new BuildSecret(Objects.requireNonNull(file, "file"), null);
  }

  public static BuildSecret value(String value) {
    return new BuildSecret(null, Objects.requireNonNull(value, "value"));
  }

  /** Its bytes, read now (a file may have changed since the build began). */
  byte[] bytes() throws IOException {
    return file != null ? Files.readAllBytes(file) : value.getBytes(StandardCharsets.UTF_8);
  }

  /** No value in the text: records print their components. */
  @Override
  public String toString() {
    return file != null ? "file " + file : "a value";
  }

  /**
   * Parses {@code docker build}'s {@code --secret}: {@code id=ID[,src=PATH|source=PATH][,env=VAR]
   * [,type=file|env]}; with {@code id} alone, the environment variable of that name if set, else
   * the file of that name, as buildx takes it.
   *
   * @param env looks up environment variables
   */
  public static Map.Entry<String, BuildSecret> parse(String spec, Function<String, String> env) {
    String id = null;
    String src = null;
    String var = null;
    String type = null;
    for (String field : spec.split(",")) {
      int eq = field.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("--secret " + spec + ": write id=ID,src=FILE or id=ID,env=VARIABLE");
      }
      String key = field.substring(0, eq).strip().toLowerCase(Locale.ROOT);
      String value = field.substring(eq + 1);
      switch (key) {
        case "id" -> id = value;
        case "src", "source" -> src = value;
        case "env" -> var = value;
        case "type" -> type = value.toLowerCase(Locale.ROOT);
        default -> throw new IllegalArgumentException("--secret " + spec + ": unknown key '" + key
            + "'; write id=ID,src=FILE or id=ID,env=VARIABLE");
      }
    }
    if (type != null && !type.equals("file") && !type.equals("env")) {
      throw new IllegalArgumentException("--secret " + spec + ": type is file or env");
    }
    if (id == null || id.isEmpty()) {
      String from = src != null ? src : var;
      if (from == null) {
        throw new IllegalArgumentException("--secret " + spec + ": name it with id=ID");
      }
      id = src != null ? Path.of(src).getFileName().toString() : var;
    }
    if ("env".equals(type) || var != null) {
      String name = var != null ? var : src != null ? src : id;
      String value = env.apply(name);
      if (value == null) {
        throw new IllegalArgumentException("--secret " + spec + ": the environment variable " + name + " is not set");
      }
      return Map.entry(id, value(value));
    }
    if (src == null && type == null && env.apply(id) != null) {
      return Map.entry(id, value(env.apply(id)));
    }
    Path path = Path.of(src != null ? src : id);
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("--secret " + spec + ": no file " + path
          + (src == null ? " and no environment variable " + id : ""));
    }
    return Map.entry(id, file(path.toAbsolutePath()));
  }
}
