package dev.lading.mirror;

/**
 * A request the mirror refuses: thrown by handlers, turned into the spec's JSON error body in one
 * place ({@link MirrorServer}), so no handler writes error responses of its own.
 */
public final class ApiException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final int status;
  private final String detail;

  ApiException(ErrorCode code, int status, String detail) {
    super(code + ": " + detail, null, false, false);
    this.code = code;
    this.status = status;
    this.detail = detail;
  }

  /** The error code of the body. */
  public ErrorCode code() {
    return code;
  }

  /** The HTTP status to answer with. */
  public int status() {
    return status;
  }

  /** What exactly was wrong, for the {@code detail} field. */
  public String detail() {
    return detail;
  }
}
