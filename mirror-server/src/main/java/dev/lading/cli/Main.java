package dev.lading.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lading} command line: moves images between registries, OCI layouts, archives and the
 * store, unpacks them, and maintains the store. A thin front end: every operation is a core call.
 */
@Command(
    name = "lading",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Daemonless container images: build, copy, unpack, inspect and run images; maintain and serve the store.",
    subcommands = {
        CopyCommand.class,
        UnpackCommand.class,
        RunCommand.class,
        BuildCommand.class,
        InspectCommand.class,
        StoreCommand.class,
        MirrorCommand.class,
        CommandLine.HelpCommand.class
    },
    footer = {
        "",
        "Image locations:",
        "  docker://HOST[:PORT]/REPO[:TAG|@DIGEST]  a registry",
        "  oci:PATH[:REF]             an OCI image layout directory",
        "  oci-archive:PATH[:REF]     a tar of an OCI image layout",
        "  docker-archive:PATH[:REF]  a 'docker save' tar (what 'docker load' takes)",
        "  store:REF                  the Lading store (--store DIR, $LADING_STORE)",
        "",
        "Environment: LADING_STORE, DOCKER_CONFIG (credentials), HTTPS_PROXY, HTTP_PROXY, NO_PROXY."
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (0 ok, 1 failed, 2 usage error). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(new Failures());
    cli.setParameterExceptionHandler(Failures::onUsageError);
    if (args.length > 0 && args[0].equals("mirror")) {
      // The mirror also takes its settings from LADING_MIRROR_* and a --config file.
      CommandLine mirror = cli.getSubcommands().get("mirror");
      MirrorDefaults defaults = MirrorDefaults.of(args, System.getenv());
      try {
        defaults.check(mirror);
      } catch (CommandLine.ParameterException e) {
        return Failures.onUsageError(e, args);
      }
      mirror.setDefaultValueProvider(defaults);
    }
    return cli.execute(args);
  }

  @Override
  public void run() {
    // No subcommand given: show what there is.
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}
