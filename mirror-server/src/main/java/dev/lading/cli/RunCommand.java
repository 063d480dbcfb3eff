package dev.lading.cli;

import dev.lading.dockerfile.NetworkMode;
import dev.lading.exec.ExecutorChoice;
import dev.lading.exec.ImageRunner;
import dev.lading.store.OwnedTempDirectory;
import dev.lading.transfer.ImageLocation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lading run IMAGE [-- CMD...]}. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run a command in an image, unprivileged (no root, no daemon, no namespaces), for"
        + " smoke tests: the image is unpacked into a private directory and its entrypoint and cmd (or"
        + " CMD...) run there with fakechroot+fakeroot or proot. Exits with the command's exit code.",
        "Not a sandbox: the command runs as you, with your access to files and the network."})
final class RunCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;
  @Mixin TransferOptions transfer;

  @Option(names = "--executor", paramLabel = "auto|fakechroot|proot", defaultValue = "auto",
      description = "How to run: auto (default) takes fakechroot when the image's glibc is the"
          + " host's, else proot.")
  String executor;

  @Option(names = "--network", paramLabel = "default|none|host", defaultValue = "default",
      description = "none: the command cannot make IPv4 or IPv6 sockets (as RUN --network=none); default and"
          + " host: the host's network.")
  String network;

  @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Set an environment variable.")
  List<String> env = new ArrayList<>();

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the image.")
  String workdir;

  @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "User to run as.")
  String user;

  @Option(names = "--entrypoint", paramLabel = "PROGRAM",
      description = "Replace the image's entrypoint ('' for none).")
  String entrypoint;

  @Parameters(index = "0", paramLabel = "IMAGE",
      description = "The image: store:NAME (a plain NAME means that), docker://..., oci:DIR:REF or an archive.")
  String image;

  @Parameters(index = "1..*", paramLabel = "CMD", description = "Replaces the image's cmd.")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    // A plain NAME is the store's, as for build -t: lading build -t app:1 . && lading run app:1
    ImageLocation src = ImageLocation.parse(ImageLocation.hasTransport(image) ? image : "store:" + image);
    ImageRunner.Options options = new ImageRunner.Options(ExecutorChoice.Kind.parse(executor),
        entrypoint == null ? null : entrypoint.isEmpty() ? List.of() : List.of(entrypoint), command,
        env, workdir, user, transfer.platformOrNull())
        .withNetwork(!NetworkMode.isNone(network, "--network=" + network));
    try (GlobalOptions.CommandStore store = global.storeFor(src)) {
      // Owned: what a killed run leaves here goes with the next build (OwnedTempDirectory), which first
      // moves back any cache a killed build had in its root; a run does not sweep.
      try (OwnedTempDirectory work = store.store().workAreas().newOwnedTempDirectory("run-")) {
        ImageRunner runner = new ImageRunner(transfer.transfer(store.store(), true, List.of(src)),
            line -> {
              if (!global.quiet) {
                System.err.println(line);
              }
            });
        int exit = runner.run(src, options, work.path(), System.out::println);
        System.out.flush();
        return exit;
      }
    }
  }
}
