package dev.lading.cli;

import dev.lading.build.dockerfile.BuildSecret;
import dev.lading.build.dockerfile.DockerfileBuild;
import dev.lading.build.dockerfile.SshAgents;
import dev.lading.dockerfile.Dockerfile;
import dev.lading.dockerfile.NetworkMode;
import dev.lading.exec.ExecutorChoice;
import dev.lading.model.Platform;
import dev.lading.store.Store;
import dev.lading.transfer.CopyOptions;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lading build [-f Dockerfile] [-t DEST]... CONTEXT}. */
@Command(name = "build", mixinStandardHelpOptions = true,
    description = {"Build a Dockerfile, unprivileged: RUN steps run with fakechroot+fakeroot or proot"
        + " (no root, no daemon, no namespaces), each RUN, COPY and ADD becomes one layer. The image"
        + " goes to the store, then to every -t destination; its manifest digest is printed last.",
        "RUN steps are not sandboxed: they run as you, with your access to files and the network."})
final class BuildCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Mixin TransferOptions transfer;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE",
      description = "The Dockerfile (default: CONTEXT/Dockerfile).")
  Path file;

  @Option(names = {"-t", "--tag"}, paramLabel = "DEST",
      description = "Where to put the image: store:NAME, docker://..., oci:DIR:REF, archives;"
          + " a plain NAME means store:NAME. Repeatable.")
  List<String> tags = new ArrayList<>();

  @Option(names = "--build-arg", paramLabel = "NAME=VALUE", description = "A build argument. Repeatable.")
  List<String> buildArgs = new ArrayList<>();

  @Option(names = "--secret", paramLabel = "id=ID,src=FILE|env=VAR",
      description = "A secret for RUN --mount=type=secret,id=ID: a file's bytes, or an environment variable's"
          + " value; with id=ID alone, the variable ID if set, else the file ID. Never in a layer, the"
          + " history or the step cache key. Repeatable.")
  List<String> secrets = new ArrayList<>();

  @Option(names = "--ssh", paramLabel = "default|ID[=SOCKET]",
      description = "An ssh agent for RUN --mount=type=ssh[,id=ID]: the one SSH_AUTH_SOCK names, or the"
          + " agent at SOCKET. The step signs with the agent's keys through its socket; key files are not"
          + " taken (ssh-add them to an agent). Repeatable.")
  List<String> sshAgents = new ArrayList<>();

  @Option(names = "--target", paramLabel = "STAGE", description = "Build this stage (default: the last).")
  String target;

  @Option(names = "--executor", paramLabel = "auto|fakechroot|proot", defaultValue = "auto",
      description = "How to run RUN steps: auto (default) takes fakechroot when the base's glibc is the"
          + " host's, else proot.")
  String executor;

  @Option(names = "--no-cache", description = "Run every step, even one whose layer the step cache holds.")
  boolean noCache;

  @Option(names = "--network", paramLabel = "default|none|host", defaultValue = "default",
      description = "none: no RUN step can reach the network (as each RUN --network=none); default and host:"
          + " each step as its RUN says.")
  String network;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${env:LADING_WORK_DIR}",
      description = "Where to unpack the stages and run their steps (default: env LADING_WORK_DIR, else the"
          + " store). A tmpfs such as /dev/shm makes file-heavy RUN steps faster; it needs the room.")
  Path workDir;

  @Option(names = "--compression-level", paramLabel = "1-9",
      description = "The gzip level of the layers the steps make: 1 is fastest, 9 smallest (default: zlib's 6,"
          + " as Docker, buildah and Jib write layers).")
  Integer compressionLevel;

  @Parameters(index = "0", paramLabel = "CONTEXT", description = "The build context directory.")
  Path context;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(context)) {
      throw new IllegalArgumentException("the build context " + context + " is not a directory");
    }
    Path dockerfile = file != null ? file : context.resolve("Dockerfile");
    if (!Files.isRegularFile(dockerfile)) {
      throw new IllegalArgumentException("no Dockerfile at " + dockerfile + "; give one with -f FILE");
    }
    Map<String, String> args = new LinkedHashMap<>();
    for (String arg : buildArgs) {
      int eq = arg.indexOf('=');
      // --build-arg NAME alone takes NAME from the environment, as docker build does.
      args.put(eq < 0 ? arg : arg.substring(0, eq), eq < 0 ? System.getenv().getOrDefault(arg, "") : arg.substring(eq + 1));
    }
    List<ImageLocation> destinations = new ArrayList<>();
    List<String> storeNames = new ArrayList<>();
    for (String tag : tags) {
      ImageLocation location = ImageLocation.parse(ImageLocation.hasTransport(tag) ? tag : "store:" + tag);
      if (location instanceof StoreLocation s) {
        storeNames.add(s.ref());
      } else {
        destinations.add(location);
      }
    }
    if (storeNames.isEmpty()) {
      // Named after the context, so that the image can be found (and is kept by gc).
      String name = context.toAbsolutePath().normalize().getFileName() == null ? "image"
          : context.toAbsolutePath().normalize().getFileName().toString().toLowerCase()
              .replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+", "");
      storeNames.add(((StoreLocation) ImageLocation.parse("store:localhost/" + (name.isEmpty() ? "image" : name)))
          .ref());
    }
    Store store = global.openStore();
    List<ImageLocation> reach = new ArrayList<>(destinations);
    ImageTransfer images = transfer.transfer(store, global.quiet, reach);
    String epoch = System.getenv("SOURCE_DATE_EPOCH");
    Platform platform = transfer.platformOrNull();
    DockerfileBuild.Options options = new DockerfileBuild.Options(context.toAbsolutePath(),
        Dockerfile.read(dockerfile), args, target, platform, ExecutorChoice.Kind.parse(executor),
        epoch == null || epoch.isBlank() ? null : Instant.ofEpochSecond(Long.parseLong(epoch.trim())),
        storeNames, noCache, workDir);
    Map<String, BuildSecret> given = new LinkedHashMap<>();
    for (String secret : secrets) {
      Map.Entry<String, BuildSecret> one = BuildSecret.parse(secret, System::getenv);
      given.put(one.getKey(), one.getValue());
    }
    options = options.withSecrets(given).withSshAgents(SshAgents.parseAll(sshAgents, System::getenv, "--ssh"))
        .withCompressionLevel(compressionLevel == null ? DockerfileBuild.DEFAULT_COMPRESSION : compressionLevel)
        .withNetwork(!NetworkMode.isNone(network, "--network=" + network));
    DockerfileBuild.Result result = new DockerfileBuild(store, images, new DockerfileBuild.Listener() {
      @Override
      public void info(String line) {
        if (!global.quiet) {
          System.err.println(line);
        }
      }

      @Override
      public void output(String line) {
        if (!global.quiet) {
          System.err.println("  " + line);
        }
      }

      @Override
      public void warn(String line) {
        System.err.println("warning: " + line); // also with -q
      }
    }).build(options);
    String digest = result.manifest().digest().toString();
    for (ImageLocation destination : destinations) {
      images.copy(ImageLocation.parse("store:" + storeNames.get(0)), destination, CopyOptions.defaults());
      if (!global.quiet) {
        System.err.println("pushed to " + destination.text());
      }
    }
    if (!global.quiet) {
      System.err.println("built " + result.layersBuilt() + (result.layersBuilt() == 1 ? " layer" : " layers")
          + (result.layersCached() > 0 ? " (" + result.layersCached() + " from the step cache)" : "")
          + " into the store as " + String.join(", ", storeNames));
    }
    System.out.println(digest);
    return 0;
  }

}
