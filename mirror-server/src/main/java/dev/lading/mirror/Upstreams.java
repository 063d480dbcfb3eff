package dev.lading.mirror;

import dev.lading.store.Store;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The registries the mirror pulls through from, by name, and how a request picks one: containerd's
 * {@code ?ns=HOST}, else a repository whose first component is an upstream's name
 * ({@code docker.io/library/debian}), else the default upstream.
 */
public final class Upstreams {
  private final List<Upstream> all;
  private final Upstream byDefault;

  private Upstreams(List<Upstream> all) {
    this.all = List.copyOf(all);
    this.byDefault = all.stream().filter(u -> u.name().equals("default")).findFirst()
        .orElse(all.get(0));
  }

  /**
   * Upstreams from {@code NAME=URL} texts; the one named {@code default}, else the first, is the
   * default.
   *
   * @throws IllegalArgumentException naming what is wrong with a text
   */
  public static Upstreams parse(List<String> specs) {
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("at least one upstream is needed");
    }
    List<Upstream> all = new ArrayList<>();
    for (String spec : specs) {
      Upstream u = Upstream.parse(spec);
      if (all.stream().anyMatch(other -> other.name().equals(u.name()))) {
        throw new IllegalArgumentException("upstream " + u.name() + " is named twice");
      }
      all.add(u);
    }
    return new Upstreams(all);
  }

  /** Every upstream, in the order given. */
  public List<Upstream> all() {
    return all;
  }

  /** The upstream used when a request names none. */
  public Upstream byDefault() {
    return byDefault;
  }

  /**
   * Where a request for {@code repository} goes: with {@code namespace} (containerd's {@code ?ns=})
   * the upstream of that name or host, else the default; without, the upstream whose name is the
   * repository's first component, else the default.
   */
  public Target route(String repository, String namespace) {
    if (namespace != null) {
      String ns = namespace.toLowerCase(Locale.ROOT);
      Upstream u = all.stream().filter(x -> x.name().equals(ns) || x.host().equals(ns)).findFirst()
          .orElse(byDefault);
      return new Target(u, repository, u.name() + "/" + repository, false);
    }
    int slash = repository.indexOf('/');
    if (slash > 0) {
      String first = repository.substring(0, slash);
      for (Upstream u : all) {
        if (u.name().equals(first)) {
          return new Target(u, repository.substring(slash + 1), repository, true);
        }
      }
    }
    return new Target(byDefault, repository, byDefault.name() + "/" + repository, false);
  }

  /**
   * One upstream registry: {@code name} (a repository component, the prefix its images have in the
   * store), {@code host} ({@code host[:port]} as the registry client takes it), {@code insecure} when
   * its URL is plain HTTP.
   */
  public record Upstream(String name, String host, boolean insecure) {
    public Upstream {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(host, "host");
    }

    /** {@code NAME=URL}, e.g. {@code docker.io=https://registry-1.docker.io}. */
    static Upstream parse(String spec) {
      int eq = spec.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--upstream takes NAME=URL, e.g."
            + " docker.io=https://registry-1.docker.io, not '" + spec + "'");
      }
      String name = spec.substring(0, eq);
      if (name.contains("/") || !Store.isRepositoryName(name)) {
        throw new IllegalArgumentException("upstream name '" + name + "' must be one lower-case"
            + " repository component (letters, digits, '.', '_', '-'), e.g. docker.io or local");
      }
      URI url;
      try {
        url = URI.create(spec.substring(eq + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("upstream " + name + ": not a URL: " + e.getMessage());
      }
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null
          || !(url.getPath() == null || url.getPath().isEmpty() || url.getPath().equals("/"))) {
        throw new IllegalArgumentException("upstream " + name + ": the URL must be http(s)://HOST[:PORT]"
            + " without a path, not '" + spec.substring(eq + 1) + "'");
      }
      String host = url.getHost().toLowerCase(Locale.ROOT)
          + (url.getPort() >= 0 ? ":" + url.getPort() : "");
      return new Upstream(name, host, scheme.equals("http"));
    }
  }

  /**
   * Where one request goes: the upstream, the repository there, and the repository in the store
   * that caches it ({@code NAME/REPOSITORY}); {@code prefixed} when the request named the upstream in
   * its path.
   */
  public record Target(Upstream upstream, String remoteRepository, String cacheRepository,
      boolean prefixed) {}
}
