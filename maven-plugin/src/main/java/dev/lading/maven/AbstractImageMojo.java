package dev.lading.maven;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lading.build.ImageNotAvailableException;
import dev.lading.build.JavaImagePlan;
import dev.lading.io.AtomicFiles;
import dev.lading.io.FileNameEncoding;
import dev.lading.model.ImageFormat;
import dev.lading.model.ImageReference;
import dev.lading.model.InvalidImageException;
import dev.lading.model.Json;
import dev.lading.model.NoMatchingPlatformException;
import dev.lading.model.Platform;
import dev.lading.registry.CredentialProvider;
import dev.lading.registry.DockerConfigCredentials;
import dev.lading.registry.HttpProxy;
import dev.lading.registry.ProxyConfig;
import dev.lading.registry.RegistryClient;
import dev.lading.registry.RegistryException;
import dev.lading.registry.StaticCredentials;
import dev.lading.store.Store;
import dev.lading.store.StoreDirectory;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.TransferListener;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.codehaus.plexus.configuration.PlexusConfiguration;

/**
 * The configuration every goal shares (Jib's names) and its translation into core values: the plan,
 * the store, the registry client with Maven's credentials. No image logic lives here.
 */
public abstract class AbstractImageMojo extends AbstractMojo {
  private static final String PREFIX = SettingProperties.PREFIX;

  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  protected MavenProject project;

  @Parameter(defaultValue = "${session}", readonly = true, required = true)
  protected MavenSession session;

  @Component
  protected SettingsDecrypter settingsDecrypter;

  /** The base image. */
  @Parameter
  protected From from = new From();

  /** The image to build and push. */
  @Parameter
  protected To to = new To();

  /** How the container starts. */
  @Parameter
  protected Container container = new Container();

  /** Directories copied into the image (default {@code src/main/jib}). */
  @Parameter
  protected ExtraDirectories extraDirectories = new ExtraDirectories();

  /** Allows plain HTTP and unverified TLS for the registries this build talks to. */
  @Parameter(property = "image.allowInsecureRegistries", defaultValue = "false")
  protected boolean allowInsecureRegistries;

  /** Skips the goal. */
  @Parameter(property = "image.skip", defaultValue = "false")
  protected boolean skip;

  /** The shared store (default {@code $LADING_STORE}, else {@code ~/.lading/store}). */
  @Parameter(property = "image.store")
  protected File store;

  /** Registry mirrors tried first for pulls ({@code http://127.0.0.1:5000} or {@code host:port}). */
  @Parameter
  protected List<String> mirrors = new ArrayList<>();

  /**
   * {@code exploded} (default): classes and resources as directories, one layer each; {@code packaged}:
   * the project's jar as one layer in {@code <appRoot>/classpath} (Jib's setting of the same name).
   */
  @Parameter(property = "image.containerizingMode", defaultValue = "exploded")
  protected String containerizingMode = "exploded";

  /** Where the digest, id, JSON summary and archive go (default: the build directory). */
  @Parameter
  protected OutputPaths outputPaths = new OutputPaths();

  /** Comma-separated mirrors, added to {@code <mirrors>}. */
  @Parameter(property = "image.mirror")
  protected String mirror;

  /**
   * Jib's plugin extensions. Not supported: accepted only so that a Jib user's POM gets a message
   * saying so, not Maven's "Cannot find 'pluginExtensions'".
   */
  @Parameter
  protected PlexusConfiguration pluginExtensions;

  /** Jib's settings for its Docker-daemon goal, which has no counterpart here: ignored, with a warning. */
  @Parameter
  protected PlexusConfiguration dockerClient;

  /** Jib's settings for Skaffold's file sync: ignored, with a warning. */
  @Parameter
  protected PlexusConfiguration skaffold;

  @Override
  public final void execute() throws MojoExecutionException, MojoFailureException {
    JibCompatibility.reportProperties(getLog(), session, settingProperties());
    if (skip || Boolean.parseBoolean(property("skip", "false"))) {
      getLog().info(goal() + " skipped");
      return;
    }
    if (!JibCompatibility.containerized(property("containerize", null), project)) {
      getLog().info(goal() + " skipped: " + project.getArtifactId() + " is not the module that"
          + " image.containerize (jib.containerize) names");
      return;
    }
    if ("pom".equals(project.getPackaging())) {
      getLog().info(goal() + " skipped: " + project.getArtifactId() + " has pom packaging");
      return;
    }
    if (pluginExtensions != null && pluginExtensions.getChildCount() > 0) {
      throw new MojoFailureException(goal() + " failed: <pluginExtensions> (Jib's extension framework) is"
          + " not supported; remove it. The layering it often adds is built in (project dependencies,"
          + " Jib's class path files); for files, ownership or permissions use <extraDirectories>.");
    }
    JibCompatibility.warnIgnored(getLog(), session, project, logPrefix(), dockerClient,
        "it configures Jib's Docker-daemon goal, which has no counterpart here (image:export writes a tar)");
    JibCompatibility.warnIgnored(getLog(), session, project, logPrefix(), skaffold,
        "it configures Skaffold's use of Jib");
    try {
      run();
    } catch (RegistryException e) {
      throw new MojoFailureException(goal() + " failed: " + e.getMessage() + mavenHint(e), e);
    } catch (IllegalArgumentException | IllegalStateException | InvalidImageException
        | NoMatchingPlatformException e) {
      throw new MojoFailureException(goal() + " failed: " + e.getMessage() + FileNameEncoding.hint(e), e);
    } catch (ImageNotAvailableException e) {
      throw new MojoFailureException(goal() + " failed: " + e.getMessage() + mavenHint(e), e);
    } catch (IOException e) {
      throw new MojoExecutionException(goal() + " failed: " + e.getMessage() + mavenHint(e)
          + FileNameEncoding.hint(e), e);
    }
  }

  /** What to configure in Maven terms, for failures the core can only describe generically. */
  private static String mavenHint(Throwable failure) {
    RegistryException e = null;
    for (Throwable t = failure; t != null && e == null; t = t.getCause()) {
      e = t instanceof RegistryException re ? re : null;
    }
    if (e != null && e.isAuthenticationFailure() && e.registry() != null) {
      return "; with Maven, add to ~/.m2/settings.xml <servers><server><id>" + e.registry()
          + "</id><username>...</username><password>...</password></server></servers>"
          + " (the password may be encrypted with mvn --encrypt-password), or set <to><auth> / <from><auth>"
          + " (-Dimage.to.auth.username=... -Dimage.to.auth.password=...)";
    }
    return "";
  }

  /**
   * {@code [artifactId] } when Maven builds modules in parallel ({@code -T}): their step and progress
   * lines interleave and would not say which image they are about; else nothing.
   */
  protected String logPrefix() {
    return session != null && session.isParallel() ? "[" + project.getArtifactId() + "] " : "";
  }

  /** The goal's work. */
  protected abstract void run() throws IOException, MojoExecutionException, MojoFailureException;

  /** {@code image:<name>}, for messages. */
  protected abstract String goal();

  // ---- configuration with user-property overrides ----

  /**
   * The setting {@code name} given as a property ({@code -Dimage.<name>=...}, or Jib's {@code jib.<name>};
   * see {@link SettingProperties} for the order), else {@code fallback}.
   */
  protected String property(String name, String fallback) {
    String v = settingProperties().get(name);
    return v != null ? v : fallback;
  }

  private SettingProperties settingProperties() {
    return new SettingProperties(session.getUserProperties(), session.getSystemProperties(),
        project.getProperties());
  }

  /** A list setting: the property's items ({@code a,b}; {@code \,} for a comma), else {@code fallback}. */
  protected List<String> listProperty(String name, List<String> fallback) {
    String v = property(name, null);
    return v == null ? fallback : new ArrayList<>(SettingProperties.splitList(v));
  }

  /** {@code -Dimage.<name>=k=v,k2=v2} (Jib's form), else the POM's map. */
  Map<String, String> mapProperty(String name, Map<String, String> fallback) {
    List<String> entries = listProperty(name, null);
    if (entries == null) {
      return new LinkedHashMap<>(fallback);
    }
    Map<String, String> result = new LinkedHashMap<>();
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("-D" + PREFIX + name + ": '" + entry + "' is not KEY=VALUE"
            + " (e.g. -D" + PREFIX + name + "=MODE=prod,TZ=UTC)");
      }
      result.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
    }
    return result;
  }

  /**
   * The base image: {@code from.image}, or with {@code <from><dockerfile>} the store name of the image
   * that Dockerfile builds ({@link #dockerfileBaseReference}).
   */
  protected ImageReference baseReference() {
    String image = property("from.image", from.image);
    if (baseDockerfile() != null) {
      if (image != null) {
        throw new IllegalArgumentException("<from><image> " + image + " and <from><dockerfile> "
            + baseDockerfile() + " are both set: the base is either pulled (<image>) or built from a"
            + " Dockerfile (<dockerfile>); remove one");
      }
      return dockerfileBaseReference();
    }
    if (image == null) {
      throw new IllegalArgumentException("no base image: set <from><image> (or -Dimage.from.image), or"
          + " <from><dockerfile> to build the base from a Dockerfile");
    }
    return parse(image, "from.image");
  }

  /**
   * {@code <from><dockerfile>} (or {@code -Dimage.from.dockerfile}) resolved against the project
   * directory, which must exist; null when not set.
   */
  protected Path baseDockerfile() {
    String configured = property("from.dockerfile", from.dockerfile == null ? null : from.dockerfile.getPath());
    if (configured == null || configured.isBlank()) {
      return null;
    }
    Path file = project.getBasedir().toPath().resolve(configured).toAbsolutePath().normalize();
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("<from><dockerfile> " + file + " does not exist");
    }
    return file;
  }

  /**
   * The store name of the base built from {@code <from><dockerfile>}: {@code localhost/<target
   * repository>/base:<target tag>}. The same for every build of the project, so a rebuild replaces it
   * rather than adding names; {@code localhost} because no registry holds it (it is never pushed alone).
   */
  protected ImageReference dockerfileBaseReference() {
    ImageReference target = targetReference();
    return new ImageReference("localhost", target.repository() + "/base", target.tag(), null);
  }

  protected ImageReference targetReference() {
    String image = property("to.image", to.image);
    if (image == null) {
      throw new IllegalArgumentException("no target image: set <to><image> or -Dimage.to.image,"
          + " e.g. registry.example.com/team/" + project.getArtifactId() + ":" + project.getVersion());
    }
    return parse(image, "to.image");
  }

  protected List<String> tags() {
    return listProperty("to.tags", to.tags);
  }

  protected List<Platform> platforms() {
    List<String> fromProperty = listProperty("from.platforms", null);
    List<Platform> result = new ArrayList<>();
    if (fromProperty != null) {
      for (String p : fromProperty) {
        result.add(Platform.parse(p));
      }
      return result;
    }
    for (PlatformParameter p : from.platforms) {
      if (p.os == null || p.architecture == null) {
        throw new IllegalArgumentException("a <platform> needs <os> and <architecture>, e.g. linux and amd64");
      }
      result.add(new Platform(p.architecture, p.os, null, null, p.variant));
    }
    return result;
  }

  private static ImageReference parse(String value, String what) {
    try {
      return ImageReference.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  protected ImageFormat format() {
    String f = property("container.format", container.format);
    return f == null ? ImageFormat.OCI : ImageFormat.parse(f);
  }

  protected List<String> mirrorHosts() {
    Set<String> hosts = new LinkedHashSet<>();
    List<String> all = new ArrayList<>(mirrors);
    String m = property("mirror", mirror);
    if (m != null) {
      all.addAll(List.of(m.split(",")));
    }
    for (String raw : all) {
      String s = raw.trim();
      if (s.isEmpty()) {
        continue;
      }
      s = s.replaceFirst("^https?://", "");
      s = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
      if (s.contains("/")) {
        throw new IllegalArgumentException("mirror '" + raw + "' must be a registry host, e.g."
            + " http://127.0.0.1:5000 (no path)");
      }
      hosts.add(s);
    }
    return new ArrayList<>(hosts);
  }

  // ---- core objects ----

  protected Store openStore() throws IOException {
    String dir = property("store", null);
    if (dir != null || store != null) {
      return Store.open(dir != null ? Path.of(dir) : store.toPath());
    }
    // A CI user without a writable home gets a fallback, named in the log (see StoreDirectory).
    StoreDirectory fallback = Store.defaultDirectory();
    fallback.notice().ifPresent(getLog()::warn);
    return Store.open(fallback.path());
  }

  /**
   * A transfer over {@code store} that may reach the registries of {@code references} (through the
   * session's client and mirrors), reporting to {@code listener}; offline (-o) it has no client and
   * refuses to fetch, so every blob must be in the store.
   */
  protected ImageTransfer transfer(Store store, MavenProgress progress, List<ImageReference> references,
      TransferListener listener) throws IOException {
    RegistryClient client = client(progress, references);
    ImageTransfer.Builder builder = ImageTransfer.builder().store(store).mirrors(mirrorHosts())
        .listener(listener);
    return (client != null ? builder.registryClient(client) : builder.offline(true)).build();
  }

  /**
   * The registry client, or null when Maven is offline (-o). Credentials come from the
   * {@code <server>} whose id is the registry host, then docker's config; proxies from the active
   * {@code <proxies>} of settings.xml, else the JVM's {@code -Dhttps.proxyHost} (as for Maven's own
   * downloads; {@code HTTPS_PROXY} is the CLI's convention, not Maven's).
   */
  protected RegistryClient client(MavenProgress progress, List<ImageReference> references)
      throws IOException {
    if (session.isOffline()) {
      return null;
    }
    Optional<ProxyConfig> proxies = SettingsProxies.of(session.getSettings().getProxies(), settingsDecrypter);
    Set<String> insecureHosts = new LinkedHashSet<>();
    if (allowInsecureRegistries || Boolean.parseBoolean(property("allowInsecureRegistries", "false"))) {
      references.forEach(r -> insecureHosts.add(r.registry()));
      insecureHosts.addAll(mirrorHosts());
    }
    // One client per build session and settings: image:build and image:push, and every module pushing to
    // the same registry, reuse its connections (no second TLS handshake), scheme probe and tokens.
    List<Object> settings = List.of(insecureHosts, proxies, credentialSettings(), pluginVersion());
    RegistryClient client = SessionClients.get(session, settings, () -> newClient(proxies, insecureHosts));
    return client.withTransferListener(progress);
  }

  private RegistryClient newClient(Optional<ProxyConfig> proxies, Set<String> insecureHosts) {
    RegistryClient.Builder builder = RegistryClient.builder().credentials(credentials())
        .userAgent("lading-maven-plugin/" + pluginVersion());
    if (proxies.isPresent()) {
      builder = builder.proxies(proxies.get());
      for (HttpProxy p : proxies.get().proxies()) {
        getLog().debug("proxy for " + p.protocol() + " registries: " + p.address()
            + (p.nonProxyHosts().isEmpty() ? "" : " except " + String.join("|", p.nonProxyHosts())));
      }
    }
    for (String host : insecureHosts) {
      builder = builder.allowInsecure(host);
    }
    return builder.build();
  }

  /**
   * Everything {@link #credentials()} reads from the configuration (settings.xml is fixed for a session);
   * of the images only their registries, so that modules pushing to one registry share a client.
   */
  private List<String> credentialSettings() {
    List<String> values = new ArrayList<>();
    for (String which : List.of("to", "from")) {
      Auth auth = which.equals("to") ? to.auth : from.auth;
      String image = property(which + ".image", which.equals("to") ? to.image : from.image);
      values.add(image == null ? null : parse(image, which + ".image").registry());
      values.add(property(which + ".auth.username", auth.username));
      values.add(property(which + ".auth.password", auth.password));
      CredHelper helper = which.equals("to") ? to.credHelper : from.credHelper;
      values.add(property(which + ".credHelper", helper.helper));
      values.add(String.valueOf(helper.environment));
    }
    return Collections.unmodifiableList(values);
  }

  /**
   * Where registry credentials come from, first match per host: {@code <from>/<to>} {@code <auth>} (or
   * {@code -Dimage.to.auth.username/password}), their {@code <credHelper>}, the settings.xml
   * {@code <server>} whose id is the host, then docker's config.json and its helpers. When base and
   * target share a host, the target's settings win.
   */
  CredentialProvider credentials() {
    DockerConfigCredentials docker = DockerConfigCredentials.fromEnvironment();
    List<CredentialProvider> chain = new ArrayList<>();
    // The target's first: for a registry both images live on, pushing needs the stronger rights.
    chain.addAll(imageCredentials("to", to.auth, to.credHelper, to.image, docker));
    chain.addAll(imageCredentials("from", from.auth, from.credHelper, from.image, docker));
    chain.add(new SettingsCredentials(session.getSettings().getServers(), settingsDecrypter));
    chain.add(docker);
    return CredentialProvider.chain(chain.toArray(CredentialProvider[]::new));
  }

  /** The {@code <auth>} and {@code <credHelper>} of {@code <from>} or {@code <to>}, for its host only. */
  private List<CredentialProvider> imageCredentials(String which, Auth auth, CredHelper credHelper, String image,
      DockerConfigCredentials docker) {
    String reference = property(which + ".image", image);
    if (reference == null) {
      return List.of();
    }
    String host = parse(reference, which + ".image").registry();
    List<CredentialProvider> result = new ArrayList<>();
    String user = property(which + ".auth.username", auth.username);
    String password = property(which + ".auth.password", auth.password);
    if (user != null || password != null) {
      if (user == null || password == null) {
        throw new IllegalArgumentException(which + ".auth needs both <username> and <password> (or -Dimage."
            + which + ".auth.username and -Dimage." + which + ".auth.password)");
      }
      result.add(StaticCredentials.of(host, user, password));
    }
    String helper = property(which + ".credHelper", credHelper.helper);
    if (helper != null) {
      result.add(CredentialProvider.onlyFor(host, docker.helper(helper, credHelper.environment)));
    }
    return result;
  }

  private String pluginVersion() {
    Package p = getClass().getPackage();
    return p != null && p.getImplementationVersion() != null ? p.getImplementationVersion() : "0.1.0";
  }

  /** The build plan for this project. */
  protected JavaImagePlan plan() throws IOException {
    return new ProjectImagePlanner(this).plan();
  }

  /** The Java version the project compiles for (see {@link ProjectFacts#javaVersion}). */
  int majorJavaVersion() {
    return new ProjectImagePlanner(this).majorJavaVersion();
  }

  /**
   * Where an output goes: {@code -Dimage.outputPaths.<name>} (or Jib's property), else {@code configured}
   * (the {@code <outputPaths>} entry), else {@code defaultName} in the build directory.
   */
  protected Path outputPath(String name, File configured, String defaultName) {
    String property = property("outputPaths." + name, null);
    if (property != null) {
      return project.getBasedir().toPath().resolve(property).toAbsolutePath();
    }
    return configured != null ? configured.toPath().toAbsolutePath()
        : Path.of(project.getBuild().getDirectory()).resolve(defaultName);
  }

  /** Writes a small text file atomically (a temporary file beside it, then a rename). */
  protected static void writeOutput(Path file, String content) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    AtomicFiles.replace(file, content.getBytes(StandardCharsets.UTF_8));
  }

  /** The {@code image.json} summary, in Jib's shape, for CI scripts that read one. */
  protected void writeImageJson(ImageReference target, String imageId, String imageDigest, boolean pushed)
      throws IOException {
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("image", target.toString());
    json.put("imageId", imageId);
    json.put("imageDigest", imageDigest);
    ArrayNode tags = json.putArray("tags");
    Set<String> all = new LinkedHashSet<>();
    all.add(target.tag());
    all.addAll(tags());
    all.forEach(tags::add);
    json.put("imagePushed", pushed);
    writeOutput(outputPath("imageJson", outputPaths.imageJson, "image.json"), json + "\n");
  }

  protected static String seconds(long startNanos) {
    return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
  }
}
