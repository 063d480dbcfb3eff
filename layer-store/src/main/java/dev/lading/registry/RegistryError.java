package dev.lading.registry;

/** One entry of a registry's {@code {"errors":[{"code","message","detail"}]}} error body. */
public record RegistryError(String code, String message, String detail) {
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(code == null ? "UNKNOWN" : code);
    if (message != null && !message.isBlank()) {
      s.append(": ").append(message);
    }
    if (detail != null && !detail.isBlank() && !"null".equals(detail)) {
      s.append(" (").append(detail).append(')');
    }
    return s.toString();
  }
}
