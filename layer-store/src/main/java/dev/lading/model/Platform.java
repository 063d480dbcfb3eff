package dev.lading.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Locale;

/** An OS/architecture pair (with optional variant) that an image in an index runs on. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"architecture", "os", "os.version", "os.features", "variant"})
public record Platform(
    @JsonProperty("architecture") String architecture,
    @JsonProperty("os") String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    @JsonProperty("variant") String variant) {

  public Platform {
    osFeatures = osFeatures == null ? null : List.copyOf(osFeatures);
  }

  public static Platform of(String os, String architecture) {
    return new Platform(architecture, os, null, null, null);
  }

  /** The platform of the machine this runs on, in Go's names (amd64, arm64), as registries use. */
  public static Platform current() {
    String arch = System.getProperty("os.arch", "amd64").toLowerCase(Locale.ROOT);
    String goArch = switch (arch) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      case "arm" -> "arm";
      default -> arch;
    };
    return of("linux", goArch);
  }

  /**
   * Parses {@code os/arch[/variant]}, as in {@code linux/arm64/v8}.
   *
   * @throws IllegalArgumentException naming the expected form
   */
  public static Platform parse(String value) {
    String[] parts = value.trim().split("/");
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "bad platform '" + value + "' (expected os/architecture[/variant], e.g. linux/amd64)");
    }
    return new Platform(parts[1], parts[0], null, null, parts.length == 3 ? parts[2] : null);
  }

  /**
   * True when an image for {@code this} platform can serve a request for {@code wanted}: os and
   * architecture equal, and the variant equal when both name one.
   */
  public boolean matches(Platform wanted) {
    if (!eq(os, wanted.os) || !eq(architecture, wanted.architecture)) {
      return false;
    }
    return wanted.variant == null || variant == null || wanted.variant.equals(variant);
  }

  private static boolean eq(String a, String b) {
    return a != null && a.equals(b);
  }

  @JsonIgnore
  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
