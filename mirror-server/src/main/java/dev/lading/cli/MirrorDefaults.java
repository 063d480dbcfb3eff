package dev.lading.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Settings of {@code lading mirror} from the environment and a config file, for deployments where a
 * command line is awkward (containers, systemd units): each option {@code --name-of-it} may come from
 * {@code LADING_MIRROR_NAME_OF_IT} or from a line {@code name-of-it = value} of the file named by
 * {@code --config FILE} (or {@code LADING_MIRROR_CONFIG}). The command line wins over the environment,
 * which wins over the file. A repeatable option takes a comma-separated list, or one file line per
 * value.
 */
final class MirrorDefaults implements CommandLine.IDefaultValueProvider {
  static final String ENV_PREFIX = "LADING_MIRROR_";

  private final Map<String, String> env;
  private final Map<String, List<String>> file;
  private final Path configFile;

  private MirrorDefaults(Map<String, String> env, Path configFile, Map<String, List<String>> file) {
    this.env = env;
    this.configFile = configFile;
    this.file = file;
  }

  /**
   * The defaults for a command line {@code args} (the whole of it: {@code --config} is looked for in
   * the mirror's arguments) in environment {@code env}.
   *
   * @throws CommandLine.ParameterException (through {@link #check}) for a file that cannot be read or
   *     names an option the mirror does not have
   */
  static MirrorDefaults of(String[] args, Map<String, String> env) {
    String config = env.get(ENV_PREFIX + "CONFIG");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        config = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        config = args[i].substring("--config=".length());
      }
    }
    Path path = config == null || config.isBlank() ? null : Path.of(config);
    return new MirrorDefaults(env, path, new LinkedHashMap<>());
  }

  /**
   * Reads the config file and checks that every key names an option of {@code command}; a typo must
   * not be ignored.
   */
  void check(CommandLine command) {
    if (configFile == null) {
      return;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(configFile, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CommandLine.ParameterException(command, "the config file " + configFile
          + " does not exist");
    } catch (IOException e) {
      throw new CommandLine.ParameterException(command, "cannot read the config file " + configFile
          + ": " + e.getMessage());
    }
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      String key = eq < 0 ? "" : line.substring(0, eq).strip();
      String where = configFile + " line " + (n + 1);
      if (key.isEmpty()) {
        throw new CommandLine.ParameterException(command, where + ": write 'name = value' (e.g."
            + " 'listen = 0.0.0.0:5000'), not '" + line + "'");
      }
      OptionSpec option = command.getCommandSpec().findOption("--" + key);
      if (option == null || key.equals("config") || option.usageHelp() || option.versionHelp()) {
        throw new CommandLine.ParameterException(command, where + ": '" + key + "' is not a setting"
            + " of lading mirror (they are its options without the dashes: listen, upstream, ...)");
      }
      List<String> values = file.computeIfAbsent(key, k -> new ArrayList<>());
      if (!values.isEmpty() && !option.isMultiValue()) {
        throw new CommandLine.ParameterException(command, where + ": '" + key + "' is set twice; it"
            + " takes one value");
      }
      values.add(line.substring(eq + 1).strip());
    }
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
      return null;
    }
    String key = option.longestName().substring(2);
    if (key.equals("config")) {
      return null;
    }
    String fromEnv = env.get(ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_'));
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.strip();
    }
    List<String> values = file.get(key);
    return values == null ? null : String.join(",", values);
  }
}
