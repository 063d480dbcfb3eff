package dev.lading.registry;

import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.RequestBody;

/**
 * One registry request as the client means it, before auth, scheme choice, redirects and retries.
 *
 * @param what a short description for error messages ("GET manifest 127.0.0.1:5000/app:1")
 * @param host the registry's API host (with port), as used for scheme choice and credentials
 * @param url the target; when {@code onRegistryBase} its scheme is replaced by the host's scheme
 * @param onRegistryBase true for URLs we built; false for absolute URLs the registry handed us
 * @param body a replayable body (written once per attempt), or null
 * @param retryable whether transient failures may be retried by sending this request again
 */
record Exchange(String what, String method, String host, HttpUrl url, boolean onRegistryBase,
    Headers headers, RequestBody body, AuthScope scope, boolean retryable) {

  static Exchange of(String what, String method, String host, HttpUrl url, AuthScope scope) {
    return new Exchange(what, method, host, url, true, Headers.of(), null, scope, true);
  }

  /** A request to an absolute URL the registry handed us (an upload {@code Location}, a next page). */
  static Exchange to(String what, String method, String host, HttpUrl absolute, AuthScope scope) {
    return new Exchange(what, method, host, absolute, false, Headers.of(), null, scope, true);
  }

  /** The same request to an absolute URL from a {@code Location} header. */
  Exchange at(HttpUrl absolute) {
    return new Exchange(what, method, host, absolute, false, headers, body, scope, retryable);
  }

  Exchange header(String name, String value) {
    return new Exchange(what, method, host, url, onRegistryBase,
        headers.newBuilder().set(name, value).build(), body, scope, retryable);
  }

  Exchange body(RequestBody requestBody) {
    return new Exchange(what, method, host, url, onRegistryBase, headers, requestBody, scope, retryable);
  }

  Exchange notRetryable() {
    return new Exchange(what, method, host, url, onRegistryBase, headers, body, scope, false);
  }
}
