package dev.lading.mirror;

/**
 * The one table of error codes the mirror answers with, as the OCI distribution spec lists them, each
 * with the HTTP status it is sent with unless a handler has a more precise one (413, 416).
 */
public enum ErrorCode {
  BLOB_UNKNOWN(404, "blob unknown to registry"),
  BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
  BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
  DIGEST_INVALID(400, "provided digest did not match uploaded content"),
  MANIFEST_BLOB_UNKNOWN(400, "manifest references a manifest or blob unknown to registry"),
  MANIFEST_INVALID(400, "manifest invalid"),
  MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
  NAME_INVALID(400, "invalid repository name"),
  NAME_UNKNOWN(404, "repository name not known to registry"),
  SIZE_INVALID(400, "provided length did not match content length"),
  UNAUTHORIZED(401, "authentication required"),
  DENIED(403, "requested access to the resource is denied"),
  UNSUPPORTED(405, "the operation is unsupported"),
  TOOMANYREQUESTS(429, "too many requests"),
  /** Not in the spec's table, but distribution's: an upstream a pull-through needed is down. */
  UNAVAILABLE(503, "service unavailable");

  private final int status;
  private final String message;

  ErrorCode(int status, String message) {
    this.status = status;
    this.message = message;
  }

  /** The HTTP status this code is normally sent with. */
  public int status() {
    return status;
  }

  /** The spec's short message for the code. */
  public String message() {
    return message;
  }

  /** An exception that answers with this code and the default status. */
  public ApiException with(String detail) {
    return new ApiException(this, status, detail);
  }

  /** An exception that answers with this code and another status, e.g. 416 for a bad range. */
  public ApiException with(int httpStatus, String detail) {
    return new ApiException(this, httpStatus, detail);
  }
}
