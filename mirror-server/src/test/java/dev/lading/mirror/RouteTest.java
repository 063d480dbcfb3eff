package dev.lading.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Request paths to API resources, including names that contain the API's own words. */
class RouteTest {
  @Test
  void splitsNameAndArgumentAtTheLastResourceWord() {
    assertEquals(new Route(Route.Kind.BASE, null, null), Route.of("/v2/"));
    assertEquals(new Route(Route.Kind.CATALOG, null, null), Route.of("/v2/_catalog"));
    assertEquals(new Route(Route.Kind.MANIFEST, "a/manifests/b", "1"), Route.of("/v2/a/manifests/b/manifests/1"));
    assertEquals(new Route(Route.Kind.BLOB, "team/blobs", "sha256:x"), Route.of("/v2/team/blobs/blobs/sha256:x"));
    assertEquals(new Route(Route.Kind.UPLOADS, "app", null), Route.of("/v2/app/blobs/uploads/"));
    assertEquals(new Route(Route.Kind.UPLOADS, "app", null), Route.of("/v2/app/blobs/uploads"));
    assertEquals(new Route(Route.Kind.UPLOAD, "app", "upload-1"), Route.of("/v2/app/blobs/uploads/upload-1"));
    assertEquals(new Route(Route.Kind.TAGS, "library/tags", null), Route.of("/v2/library/tags/tags/list"));
    assertEquals(new Route(Route.Kind.REFERRERS, "app", "sha256:y"), Route.of("/v2/app/referrers/sha256:y"));
  }

  @Test
  void anythingElseIsNoRoute() {
    for (String path : new String[] {"/", "/v1/x", "/v2/app", "/v2/app/manifests/", "/v2/app/blobs/a/b"}) {
      assertEquals(Route.Kind.NONE, Route.of(path).kind(), path);
    }
  }
}
