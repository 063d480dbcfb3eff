package dev.lading.registry;

import static dev.lading.registry.RegistryProtocol.apiHost;
import static dev.lading.registry.RegistryProtocol.checkRepository;
import static dev.lading.registry.RegistryProtocol.nextPage;
import static dev.lading.registry.RegistryProtocol.readLimited;
import static dev.lading.registry.RegistryProtocol.url;
import static dev.lading.registry.RegistryProtocol.where;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.ImageIndex;
import dev.lading.model.ImageManifest;
import dev.lading.model.Json;
import dev.lading.model.ManifestDocument;
import dev.lading.model.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * The referrers of a manifest (OCI distribution-spec 1.1): the manifests whose {@code subject} it
 * is. Listed by the registry's referrers API or, where the registry lacks it (a 404, as
 * distribution 2.8 answers), by the index at the referrers tag {@code sha256-<hex>}; and kept in
 * that tag's index on a push when the registry does not index subjects itself (no
 * {@code OCI-Subject} answered), as the spec asks of clients.
 */
public final class Referrers {
  private static final long MAX_PAGE_BYTES = 4L * 1024 * 1024;
  private static final int MAX_PAGES = 100;
  private static final String OCI_SUBJECT = "OCI-Subject";
  // A registry without the referrers API is asked through the tag for this long before the API is
  // tried again (an upgrade may add it); each listing would otherwise cost a 404 first.
  private static final long NO_API_RECHECK_NANOS = TimeUnit.MINUTES.toNanos(15);

  /** Where a listing came from. */
  public enum Source { API, TAG }

  /**
   * The referrers a registry listed; {@code filtered} when it applied the {@code artifactType}
   * filter asked for (a registry may ignore it).
   */
  public record Listing(List<Descriptor> manifests, boolean filtered, Source source) {
    public Listing {
      manifests = List.copyOf(manifests);
    }
  }

  /** What a push did about the pushed manifest's subject. */
  public enum Linked {
    /** The manifest has no subject. */
    NO_SUBJECT,
    /** The registry answered {@code OCI-Subject}: it lists the manifest itself. */
    BY_REGISTRY,
    /** Added to the index at the subject's referrers tag. */
    ADDED_TO_TAG,
    /** The index at the referrers tag listed it already. */
    ALREADY_IN_TAG,
    /** The referrers tag names something other than an image index; left as it is. */
    TAG_NOT_AN_INDEX
  }

  private final RegistryClient client;
  // API host -> System.nanoTime() of its last 404 to the referrers API.
  private final Map<String, Long> withoutApi = new ConcurrentHashMap<>();

  /** Referrers through {@code client} (its credentials, retries and timeouts). */
  public Referrers(RegistryClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** The referrers tag schema's tag for {@code subject}: {@code sha256-<hex>}. */
  public static String tagOf(Digest subject) {
    return subject.algorithm() + "-" + subject.hex();
  }

  /** The subject of a manifest or index, if it has one. */
  public static Optional<Descriptor> subjectOf(ManifestDocument doc) {
    return Optional.ofNullable(doc instanceof ImageManifest m ? m.subject()
        : ((ImageIndex) doc).subject());
  }

  /**
   * The descriptor the referrers API lists for {@code doc}, stored as {@code manifest}: its
   * {@code artifactType} (an image manifest without one: its config's media type) and annotations.
   */
  public static Descriptor entryOf(ManifestDocument doc, Descriptor manifest) {
    String artifactType = doc instanceof ImageManifest m
        ? (m.artifactType() != null ? m.artifactType() : m.config().mediaType())
        : ((ImageIndex) doc).artifactType();
    return new Descriptor(manifest.mediaType(), manifest.digest(), manifest.size(), null,
        doc.annotations(), null, artifactType);
  }

  /**
   * The referrers of {@code subject} in {@code repository}: from the referrers API (following its
   * pages), with {@code artifactType} (or null) passed on; when the API answers 404, from the index
   * at the referrers tag, where a 404 or a document that is not an image index means none. A
   * registry that answered 404 is asked through the tag only, for the next 15 minutes.
   */
  public Listing list(String host, String repository, Digest subject, String artifactType)
      throws IOException {
    String api = apiHost(host);
    checkRepository(repository);
    Long noApiSince = withoutApi.get(api);
    if (noApiSince != null && System.nanoTime() - noApiSince < NO_API_RECHECK_NANOS) {
      return fromTag(host, repository, subject);
    }
    HttpUrl first = url(api, repository, "referrers", subject.toString());
    if (artifactType != null) {
      first = first.newBuilder().addQueryParameter("artifactType", artifactType).build();
    }
    Exchange ex = Exchange.of("GET referrers of " + where(api, repository, subject.toString()),
        "GET", api, first, AuthScope.pull(repository)).header("Accept", MediaTypes.OCI_INDEX);
    List<Descriptor> found = new ArrayList<>();
    boolean filtered = false;
    for (int page = 0; ; page++) {
      if (page == MAX_PAGES) {
        throw new RegistryException(ex.what() + ": more than " + MAX_PAGES + " pages",
            "the registry's pagination does not end", null);
      }
      HttpUrl next;
      try (Response response = client.http().send(ex)) {
        if (response.code() == 404 && page == 0) {
          // No referrers API (a registry that has one never answers 404): the tag schema.
          withoutApi.put(api, System.nanoTime());
          break;
        }
        if (response.code() != 200) {
          throw client.http().failure(ex, response);
        }
        filtered |= appliedArtifactType(response);
        found.addAll(entries(Json.mapper().readTree(
            readLimited(response.body(), MAX_PAGE_BYTES, ex.what()))));
        next = nextPage(response);
      }
      if (next == null) {
        return new Listing(found, filtered, Source.API);
      }
      ex = ex.at(next);
    }
    return fromTag(host, repository, subject);
  }

  /** Whether {@code OCI-Filters-Applied} names {@code artifactType}. */
  private static boolean appliedArtifactType(Response response) {
    return response.headers("OCI-Filters-Applied").stream()
        .flatMap(v -> List.of(v.split(",")).stream())
        .anyMatch(f -> f.trim().equals("artifactType"));
  }

  private Listing fromTag(String host, String repository, Digest subject) throws IOException {
    Optional<ObjectNode> index = tagIndex(host, repository, subject);
    return new Listing(index.map(Referrers::entries).orElse(List.of()), false, Source.TAG);
  }

  /**
   * The index at the referrers tag of {@code subject}, as JSON; an empty index when there is none,
   * empty when the tag names something else.
   */
  private Optional<ObjectNode> tagIndex(String host, String repository, Digest subject)
      throws IOException {
    ManifestResponse current;
    try {
      current = client.getManifest(host, repository, tagOf(subject));
    } catch (RegistryException e) {
      if (e.status() != 404) {
        throw e;
      }
      ObjectNode empty = Json.mapper().createObjectNode();
      empty.put("schemaVersion", 2);
      empty.put("mediaType", MediaTypes.OCI_INDEX);
      empty.putArray("manifests");
      return Optional.of(empty);
    }
    try {
      if (ManifestDocument.parse(current.bytes(), current.mediaType()) instanceof ImageIndex) {
        return Optional.of((ObjectNode) Json.mapper().readTree(current.bytes()));
      }
    } catch (RuntimeException notAnIndex) {
      // as below
    }
    return Optional.empty();
  }

  /** The well-formed descriptors of an index's {@code manifests}; others are left out. */
  private static List<Descriptor> entries(JsonNode index) {
    List<Descriptor> found = new ArrayList<>();
    for (JsonNode entry : index == null ? List.<JsonNode>of() : index.path("manifests")) {
      try {
        found.add(Json.mapper().treeToValue(entry, Descriptor.class));
      } catch (IOException | RuntimeException malformed) {
        // one bad entry does not hide the others
      }
    }
    return found;
  }

  /**
   * Pushes a manifest as {@link RegistryClient#putManifest} does; when it has a subject and the
   * registry's answer has no {@code OCI-Subject}, adds its {@link #entryOf entry} to the index at
   * the subject's referrers tag (read, append unless listed, write back; concurrent writers of one
   * tag can lose each other's entries, as the spec warns).
   */
  public Linked putManifest(String host, String repository, String tagOrDigest, byte[] manifest,
      String mediaType) throws IOException {
    ManifestDocument doc = ManifestDocument.parse(manifest, mediaType);
    AtomicReference<String> indexed = new AtomicReference<>();
    Digest digest = client.putManifest(host, repository, tagOrDigest, manifest, mediaType,
        headers -> indexed.set(headers.get(OCI_SUBJECT)));
    Optional<Descriptor> subject = subjectOf(doc);
    if (subject.isEmpty()) {
      return Linked.NO_SUBJECT;
    }
    if (indexed.get() != null) {
      return Linked.BY_REGISTRY;
    }
    Optional<ObjectNode> index = tagIndex(host, repository, subject.get().digest());
    if (index.isEmpty()) {
      return Linked.TAG_NOT_AN_INDEX;
    }
    if (entries(index.get()).stream().anyMatch(d -> d.digest().equals(digest))) {
      return Linked.ALREADY_IN_TAG;
    }
    Descriptor entry = entryOf(doc, Descriptor.of(doc.contentType(), digest, manifest.length));
    JsonNode manifests = index.get().get("manifests");
    (manifests instanceof ArrayNode list ? list : index.get().putArray("manifests"))
        .add(Json.mapper().valueToTree(entry));
    client.putManifest(host, repository, tagOf(subject.get().digest()), Json.write(index.get()),
        MediaTypes.OCI_INDEX);
    return Linked.ADDED_TO_TAG;
  }
}
