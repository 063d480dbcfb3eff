package dev.lading.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
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
  /**
   * The subcommands, in the order help lists them. Registered here rather than in the annotation so
   * that a run builds the model of the one command it runs: picocli reflects over every option of
   * every registered command at start-up, which was a tenth of a second of a short copy.
   */
  private static final Map<String, Supplier<Object>> COMMANDS = commands();

  private static Map<String, Supplier<Object>> commands() {
    Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
    commands.put("copy", CopyCommand::new);
    commands.put("unpack", UnpackCommand::new);
    commands.put("run", RunCommand::new);
    commands.put("build", BuildCommand::new);
    commands.put("inspect", InspectCommand::new);
    commands.put("store", StoreCommand::new);
    commands.put("mirror", MirrorCommand::new);
    commands.put("help", CommandLine.HelpCommand::new);
    return Collections.unmodifiableMap(commands);
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (0 ok, 1 failed, 2 usage error). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    // `lading copy ...` needs only copy's model, `lading --version` none; anything else (help, a
    // typo to suggest for) all.
    Supplier<Object> only = args.length > 0 && !args[0].equals("help") ? COMMANDS.get(args[0]) : null;
    // picocli answers a lone --version before it looks at any subcommand.
    boolean versionOnly = args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
    if (only != null) {
      Warmup.start();
      cli.addSubcommand(args[0], only.get());
    } else if (!versionOnly) {
      COMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
    }
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
