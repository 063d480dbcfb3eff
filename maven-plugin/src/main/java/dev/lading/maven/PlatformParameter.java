package dev.lading.maven;

/** One {@code <platform>} of {@code <from><platforms>}: os, architecture and optional variant. */
public class PlatformParameter {
  String os;
  String architecture;
  String variant;

  /** Also accepts the short form {@code <platform>linux/arm64</platform>}. */
  public void set(String value) {
    dev.lading.model.Platform p = dev.lading.model.Platform.parse(value);
    os = p.os();
    architecture = p.architecture();
    variant = p.variant();
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
