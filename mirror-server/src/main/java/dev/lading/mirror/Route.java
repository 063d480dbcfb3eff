package dev.lading.mirror;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which API resource a request path names: {@code /v2/<name>/manifests/<reference>} and the like.
 * Names may contain '/' and even the words {@code blobs} or {@code manifests}, so each pattern takes
 * the longest name that leaves a well-formed tail; the name itself is validated by the handlers.
 */
record Route(Kind kind, String name, String argument) {
  /** The resources of the distribution API this mirror serves. */
  enum Kind { BASE, CATALOG, TAGS, MANIFEST, UPLOADS, UPLOAD, BLOB, REFERRERS, NONE }

  private static final Pattern UPLOADS = Pattern.compile("(.+)/blobs/uploads/?");
  private static final Pattern UPLOAD = Pattern.compile("(.+)/blobs/uploads/([^/]+)");
  private static final Pattern BLOB = Pattern.compile("(.+)/blobs/([^/]+)");
  private static final Pattern MANIFEST = Pattern.compile("(.+)/manifests/([^/]+)");
  private static final Pattern TAGS = Pattern.compile("(.+)/tags/list");
  private static final Pattern REFERRERS = Pattern.compile("(.+)/referrers/([^/]+)");

  /** The route of a decoded request path. */
  static Route of(String path) {
    if (path.equals("/v2") || path.equals("/v2/")) {
      return new Route(Kind.BASE, null, null);
    }
    if (!path.startsWith("/v2/")) {
      return new Route(Kind.NONE, null, null);
    }
    String rest = path.substring("/v2/".length());
    if (rest.equals("_catalog")) {
      return new Route(Kind.CATALOG, null, null);
    }
    Matcher m;
    if ((m = UPLOADS.matcher(rest)).matches()) {
      return new Route(Kind.UPLOADS, m.group(1), null);
    }
    if ((m = UPLOAD.matcher(rest)).matches()) {
      return new Route(Kind.UPLOAD, m.group(1), m.group(2));
    }
    if ((m = BLOB.matcher(rest)).matches()) {
      return new Route(Kind.BLOB, m.group(1), m.group(2));
    }
    if ((m = MANIFEST.matcher(rest)).matches()) {
      return new Route(Kind.MANIFEST, m.group(1), m.group(2));
    }
    if ((m = TAGS.matcher(rest)).matches()) {
      return new Route(Kind.TAGS, m.group(1), null);
    }
    if ((m = REFERRERS.matcher(rest)).matches()) {
      return new Route(Kind.REFERRERS, m.group(1), m.group(2));
    }
    return new Route(Kind.NONE, null, null);
  }
}
