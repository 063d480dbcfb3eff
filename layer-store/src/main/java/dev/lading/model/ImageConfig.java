package dev.lading.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.lading.digest.Digest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The image config blob: platform, how to run the image, the layers' diff IDs and the history. The
 * same JSON serves OCI and Docker images. Fields we do not model are kept in {@link #unknown()} and
 * written back, so rewriting a base image's config loses nothing.
 *
 * <p>Null means "absent": it is left out when writing. Empty lists are written, since {@code
 * "Entrypoint": []} and an absent entrypoint are not always treated alike.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"created", "author", "architecture", "os", "os.version", "os.features", "variant",
    "config", "rootfs", "history"})
public record ImageConfig(
    @JsonProperty("created") String created,
    @JsonProperty("author") String author,
    @JsonProperty("architecture") String architecture,
    @JsonProperty("os") String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    @JsonProperty("variant") String variant,
    @JsonProperty("config") RunConfig config,
    @JsonProperty("rootfs") RootFs rootfs,
    @JsonProperty("history") List<History> history,
    @JsonAnySetter Map<String, JsonNode> unknown) {

  public ImageConfig {
    osFeatures = osFeatures == null ? null : List.copyOf(osFeatures);
    history = history == null ? null : List.copyOf(history);
    unknown = UnknownFields.copy(unknown);
  }

  /** An image config for {@code platform} with no layers, no history and nothing to run: {@code FROM scratch}. */
  public static ImageConfig scratch(Platform platform) {
    return new ImageConfig(null, null, platform.architecture(), platform.os(), platform.osVersion(),
        platform.osFeatures(), platform.variant(), null, new RootFs(List.of()), null, null);
  }

  /** Fields of the JSON this record does not model, written back as they were. */
  @Override
  @JsonAnyGetter
  public Map<String, JsonNode> unknown() {
    return UnknownFields.copy(unknown);
  }

  /** The platform this image runs on. */
  @JsonIgnore
  public Platform platform() {
    return new Platform(architecture, os, osVersion, osFeatures, variant);
  }

  /** The run config, or an empty one when the JSON has none. */
  @JsonIgnore
  public RunConfig configOrEmpty() {
    return config != null ? config : RunConfig.EMPTY;
  }

  /** The uncompressed layer digests, bottom first; empty when there is no rootfs. */
  @JsonIgnore
  public List<Digest> diffIds() {
    return rootfs == null ? List.of() : rootfs.diffIds();
  }

  /** {@code created} as an instant, when present and in RFC 3339 form. */
  @JsonIgnore
  public Optional<Instant> createdInstant() {
    if (created == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(created).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * Returns this config after checking that history and layers agree: one non-empty history entry
   * per diff ID (when there is any history). Docker refuses to load images where they do not.
   *
   * @throws InvalidImageException saying how many of each there are
   */
  public ImageConfig requireConsistentHistory() {
    if (history == null || history.isEmpty()) {
      return this;
    }
    long layerEntries = history.stream().filter(History::addsLayer).count();
    if (layerEntries != diffIds().size()) {
      throw new InvalidImageException("image config has " + diffIds().size() + " layers but "
          + layerEntries + " history entries that add a layer; each layer needs one history entry"
          + " (mark the others empty_layer)");
    }
    return this;
  }

  /** This config with one more layer on top, and the history entry that made it. */
  public ImageConfig withLayer(Digest diffId, History entry) {
    if (!entry.addsLayer()) {
      throw new IllegalArgumentException("the history entry for a new layer must not be empty_layer");
    }
    List<Digest> ids = new ArrayList<>(diffIds());
    ids.add(diffId);
    RootFs newRootFs = rootfs == null ? new RootFs(ids) : rootfs.withDiffIds(ids);
    return withRootFs(newRootFs).withHistoryEntry(entry);
  }

  /** This config with one more history entry (use {@link History#emptyLayer} for steps without a layer). */
  public ImageConfig withHistoryEntry(History entry) {
    List<History> list = history == null ? new ArrayList<>() : new ArrayList<>(history);
    list.add(entry);
    return withHistory(list);
  }

  public ImageConfig withCreated(Instant instant) {
    return withCreated(instant == null ? null : instant.toString());
  }

  public ImageConfig withCreated(String newCreated) {
    return new ImageConfig(newCreated, author, architecture, os, osVersion, osFeatures, variant, config,
        rootfs, history, unknown);
  }

  public ImageConfig withAuthor(String newAuthor) {
    return new ImageConfig(created, newAuthor, architecture, os, osVersion, osFeatures, variant, config,
        rootfs, history, unknown);
  }

  public ImageConfig withPlatform(Platform p) {
    return new ImageConfig(created, author, p.architecture(), p.os(), p.osVersion(), p.osFeatures(),
        p.variant(), config, rootfs, history, unknown);
  }

  public ImageConfig withConfig(RunConfig newConfig) {
    return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, newConfig,
        rootfs, history, unknown);
  }

  public ImageConfig withRootFs(RootFs newRootFs) {
    return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config,
        newRootFs, history, unknown);
  }

  public ImageConfig withHistory(List<History> newHistory) {
    return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config,
        rootfs, newHistory, unknown);
  }

  /**
   * How a container of this image starts: the {@code config} object. Docker's capitalised keys are
   * used by both formats.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir",
      "Labels", "StopSignal"})
  public record RunConfig(
      @JsonProperty("User") String user,
      @JsonProperty("ExposedPorts")
      @JsonSerialize(using = EmptyObjectSet.Serializer.class)
      @JsonDeserialize(using = EmptyObjectSet.Deserializer.class)
      Set<String> exposedPorts,
      @JsonProperty("Env") List<String> env,
      @JsonProperty("Entrypoint") List<String> entrypoint,
      @JsonProperty("Cmd") List<String> cmd,
      @JsonProperty("Volumes")
      @JsonSerialize(using = EmptyObjectSet.Serializer.class)
      @JsonDeserialize(using = EmptyObjectSet.Deserializer.class)
      Set<String> volumes,
      @JsonProperty("WorkingDir") String workingDir,
      @JsonProperty("Labels") Map<String, String> labels,
      @JsonProperty("StopSignal") String stopSignal,
      @JsonAnySetter Map<String, JsonNode> unknown) {

    /** No settings at all. */
    public static final RunConfig EMPTY =
        new RunConfig(null, null, null, null, null, null, null, null, null, null);

    public RunConfig {
      exposedPorts = exposedPorts == null ? null : Collections.unmodifiableSet(new TreeSet<>(exposedPorts));
      env = env == null ? null : List.copyOf(env);
      entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
      cmd = cmd == null ? null : List.copyOf(cmd);
      volumes = volumes == null ? null : Collections.unmodifiableSet(new TreeSet<>(volumes));
      labels = labels == null ? null : Collections.unmodifiableMap(new TreeMap<>(labels));
      unknown = UnknownFields.copy(unknown);
    }

    /** Fields of the JSON this record does not model (Healthcheck, Shell, OnBuild...). */
    @Override
    @JsonAnyGetter
    public Map<String, JsonNode> unknown() {
      return UnknownFields.copy(unknown);
    }

    /** The value of environment variable {@code name}, if set. */
    public Optional<String> envValue(String name) {
      if (env == null) {
        return Optional.empty();
      }
      String prefix = name + "=";
      // Later entries win, as when a container starts.
      for (int i = env.size() - 1; i >= 0; i--) {
        if (env.get(i).startsWith(prefix)) {
          return Optional.of(env.get(i).substring(prefix.length()));
        }
      }
      return Optional.empty();
    }

    public RunConfig withUser(String v) {
      return new RunConfig(v, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, unknown);
    }

    public RunConfig withExposedPorts(Set<String> v) {
      return new RunConfig(user, v, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, unknown);
    }

    public RunConfig withEnv(List<String> v) {
      return new RunConfig(user, exposedPorts, v, entrypoint, cmd, volumes, workingDir, labels, stopSignal, unknown);
    }

    public RunConfig withEntrypoint(List<String> v) {
      return new RunConfig(user, exposedPorts, env, v, cmd, volumes, workingDir, labels, stopSignal, unknown);
    }

    public RunConfig withCmd(List<String> v) {
      return new RunConfig(user, exposedPorts, env, entrypoint, v, volumes, workingDir, labels, stopSignal, unknown);
    }

    public RunConfig withVolumes(Set<String> v) {
      return new RunConfig(user, exposedPorts, env, entrypoint, cmd, v, workingDir, labels, stopSignal, unknown);
    }

    public RunConfig withWorkingDir(String v) {
      return new RunConfig(user, exposedPorts, env, entrypoint, cmd, volumes, v, labels, stopSignal, unknown);
    }

    public RunConfig withLabels(Map<String, String> v) {
      return new RunConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, v, stopSignal, unknown);
    }

    public RunConfig withStopSignal(String v) {
      return new RunConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, v, unknown);
    }
  }

  /** The {@code rootfs} object: the uncompressed digests of the layers, bottom first. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type", "diff_ids"})
  public record RootFs(
      @JsonProperty("type") String type,
      // Required even when empty: a scratch image has "diff_ids": [].
      @JsonProperty("diff_ids") @JsonInclude(JsonInclude.Include.ALWAYS) List<Digest> diffIds,
      @JsonAnySetter Map<String, JsonNode> unknown) {

    /** The only rootfs type either spec defines. */
    public static final String LAYERS = "layers";

    public RootFs {
      if (!LAYERS.equals(type)) {
        throw new InvalidImageException("rootfs type must be \"layers\", found "
            + (type == null ? "none" : "\"" + type + "\""));
      }
      diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
      unknown = UnknownFields.copy(unknown);
    }

    public RootFs(List<Digest> diffIds) {
      this(LAYERS, diffIds, null);
    }

    @Override
    @JsonAnyGetter
    public Map<String, JsonNode> unknown() {
      return UnknownFields.copy(unknown);
    }

    public RootFs withDiffIds(List<Digest> ids) {
      return new RootFs(type, ids, unknown);
    }
  }

  /** One {@code history} entry: how a layer (or an empty step) came to be. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"created", "created_by", "author", "comment", "empty_layer"})
  public record History(
      @JsonProperty("created") String created,
      @JsonProperty("created_by") String createdBy,
      @JsonProperty("author") String author,
      @JsonProperty("comment") String comment,
      @JsonProperty("empty_layer") Boolean emptyLayer,
      @JsonAnySetter Map<String, JsonNode> unknown) {

    public History {
      unknown = UnknownFields.copy(unknown);
    }

    /** An entry for a step that added a layer. */
    public static History layer(Instant created, String createdBy, String comment) {
      return new History(created == null ? null : created.toString(), createdBy, null, comment, null, null);
    }

    /** An entry for a step that changed only the config (ENV, CMD...), so added no layer. */
    public static History emptyLayer(Instant created, String createdBy, String comment) {
      return new History(created == null ? null : created.toString(), createdBy, null, comment, true, null);
    }

    @Override
    @JsonAnyGetter
    public Map<String, JsonNode> unknown() {
      return UnknownFields.copy(unknown);
    }

    /** True unless the entry is marked {@code empty_layer}. */
    @JsonIgnore
    public boolean addsLayer() {
      return !Boolean.TRUE.equals(emptyLayer);
    }
  }
}
