package dev.lading.registry;

import java.io.IOException;
import java.time.Duration;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** GETs of plain URLs (a Dockerfile's {@code ADD <url>}) through a registry client's HTTP layer. */
final class PlainDownloads {
  private PlainDownloads() {}

  /**
   * A plain GET of {@code url} (a Dockerfile's {@code ADD <url>}), redirects followed, with {@code http}'s
   * proxies, TLS settings, User-Agent and retries, and never a registry credential.
   *
   * @return the response, 2xx and open
   */
  static Response fetch(RegistryHttp http, HttpUrl url, String what) throws IOException {
    OkHttpClient client = http.clientFor(url).newBuilder().followRedirects(true).followSslRedirects(true).build();
    Request request = new Request.Builder().url(url).header("User-Agent", http.userAgent()).get().build();
    for (int attempt = 1; ; attempt++) {
      Response response;
      try {
        response = client.newCall(request).execute();
      } catch (IOException e) {
        RegistryException failure = RegistryHttp.asRegistryException(what, url.host() + ":" + url.port(), e);
        if (!failure.isTransient() || attempt >= http.retry().maxAttempts()) {
          throw failure;
        }
        http.pause(http.retry().delayBefore(attempt + 1, failure.retryAfter().orElse(null)));
        continue;
      }
      if (response.isSuccessful()) {
        return response;
      }
      if (RegistryHttp.isTransientStatus(response.code()) && attempt < http.retry().maxAttempts()) {
        Duration retryAfter = RegistryHttp.retryAfter(response);
        response.close();
        http.pause(http.retry().delayBefore(attempt + 1, retryAfter));
        continue;
      }
      int code = response.code();
      response.close();
      throw new RegistryException(what + ": the server answered " + code
          + (code == 404 ? " (not found): check the URL" : code == 401 || code == 403
              ? " (no access): download it in a RUN step that has the credentials, or COPY it" : ""), null, null);
    }
  }
}
