package dev.lading.dockerfile;

import dev.lading.dockerfile.Instruction.ArgDeclaration;
import dev.lading.dockerfile.Instruction.CommandLine;
import dev.lading.dockerfile.Instruction.KeyValue;
import dev.lading.dockerfile.Instruction.Location;
import dev.lading.dockerfile.LineParser.RawLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Gives each logical line its instruction record, checking arguments and flags as BuildKit does. */
final class InstructionParser {
  private static final Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9-_.]*$");
  private static final Duration MINIMUM_INTERVAL = Duration.ofMillis(1);

  private final char escape;

  InstructionParser(char escape) {
    this.escape = escape;
  }

  /** The instruction of one line; any problem comes out located on that line. */
  Instruction parse(RawLine raw) throws DockerfileException {
    String keyword = raw.keyword().toUpperCase(Locale.ROOT);
    try {
      return dispatch(raw, keyword);
    } catch (DockerfileException e) {
      throw e.at(raw.startLine(), keyword);
    }
  }

  private Instruction dispatch(RawLine raw, String keyword) throws DockerfileException {
    Location at = new Location(raw.startLine(), raw.endLine(), raw.original());
    String args = raw.args();
    List<String> flags = raw.flags();
    switch (keyword) {
      case "FROM": return from(at, flags, args);
      case "RUN": return RunFlags.run(at, flags, shellDependent(args, "RUN", false), raw.heredocs());
      case "CMD": return new Instruction.Cmd(at, shellDependent(noFlags(flags, args), "CMD", true));
      case "ENTRYPOINT":
        return new Instruction.Entrypoint(at, shellDependent(noFlags(flags, args), "ENTRYPOINT", true));
      case "SHELL": return shell(at, noFlags(flags, args));
      case "COPY": case "ADD": return copyOrAdd(at, keyword, flags, args, raw.heredocs());
      case "ENV": return new Instruction.Env(at, keyValues(noFlags(flags, args), "ENV"));
      case "LABEL": return new Instruction.Label(at, keyValues(noFlags(flags, args), "LABEL"));
      case "ARG": return arg(at, noFlags(flags, args));
      case "MAINTAINER": return new Instruction.Maintainer(at, exactlyOne(noFlags(flags, args), keyword));
      case "WORKDIR": return new Instruction.Workdir(at, exactlyOne(noFlags(flags, args), keyword));
      case "USER": return new Instruction.User(at, exactlyOne(noFlags(flags, args), keyword));
      case "STOPSIGNAL": return new Instruction.StopSignal(at, exactlyOne(noFlags(flags, args), keyword));
      case "EXPOSE": return new Instruction.Expose(at, atLeastOne(whitespaceWords(noFlags(flags, args)), keyword));
      case "VOLUME": return volume(at, noFlags(flags, args));
      case "HEALTHCHECK": return healthcheck(at, flags, args);
      case "ONBUILD": return onbuild(at, noFlags(flags, args), raw);
      default:
        throw DockerfileException.of("unknown instruction: " + raw.keyword()
            + "; Lading understands FROM, RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD, ENV, LABEL, ARG, "
            + "WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, ONBUILD and MAINTAINER");
    }
  }

  private Instruction from(Location at, List<String> flagWords, String args) throws DockerfileException {
    Flags flags = new Flags().string("platform").parse(flagWords);
    List<String> words = whitespaceWords(args);
    Optional<String> name = Optional.empty();
    if (words.size() == 3 && words.get(1).equalsIgnoreCase("as")) {
      String stage = words.get(2).toLowerCase(Locale.ROOT);
      if (!STAGE_NAME.matcher(stage).matches()) {
        throw DockerfileException.of("invalid name for build stage: \"" + words.get(2)
            + "\", name can't start with a number or contain symbols");
      }
      name = Optional.of(stage);
    } else if (words.size() != 1) {
      throw DockerfileException.of("FROM requires either one or three arguments: FROM image [AS name]");
    }
    return new Instruction.From(at, words.get(0), name, flags.get("platform"));
  }

  private CommandLine shellDependent(String args, String keyword, boolean emptyAllowed)
      throws DockerfileException {
    List<String> json = args.isEmpty() ? null : Json.parse(args);
    if (json != null) {
      if (json.isEmpty() && !emptyAllowed) {
        throw DockerfileException.of(keyword + " requires at least one argument");
      }
      return new CommandLine(json, true);
    }
    if (args.isEmpty()) {
      if (!emptyAllowed) {
        throw DockerfileException.of(keyword + " requires at least one argument");
      }
      return new CommandLine(List.of(), false);
    }
    return new CommandLine(List.of(args), false);
  }

  private Instruction shell(Location at, String args) throws DockerfileException {
    List<String> json = args.isEmpty() ? null : Json.parse(args);
    if (json == null) {
      throw DockerfileException.of(args.isEmpty() ? "SHELL requires at least one argument"
          : "SHELL requires the arguments to be in JSON form, like SHELL [\"/bin/sh\", \"-c\"]");
    }
    if (json.isEmpty()) {
      throw DockerfileException.of("SHELL requires at least one argument");
    }
    return new Instruction.Shell(at, json);
  }

  private Instruction copyOrAdd(Location at, String keyword, List<String> flagWords, String args,
      List<Heredoc> heredocs) throws DockerfileException {
    Flags flags = new Flags().string("chown").string("chmod").bool("link").repeated("exclude");
    if (keyword.equals("COPY")) {
      flags.string("from").bool("parents");
      refuse(flagWords, keyword, "checksum");
    } else {
      flags.string("checksum").bool("unpack").bool("keep-git-dir");
    }
    flags.parse(flagWords);
    List<String> json = Json.parse(args);
    List<String> words = json != null ? json : whitespaceWords(args);
    if (words.size() < 2) {
      throw DockerfileException.of(keyword + " requires at least two arguments, but only "
          + (words.isEmpty() ? "none was" : "one was") + " provided. Destination could not be determined");
    }
    String destination = words.get(words.size() - 1);
    if (LineParser.marker(destination) != null) {
      throw DockerfileException.of(keyword + " cannot accept a heredoc as a destination");
    }
    List<String> sources = new ArrayList<>();
    List<Heredoc> inline = new ArrayList<>();
    for (String source : words.subList(0, words.size() - 1)) {
      Heredoc.Marker marker = json != null ? null : LineParser.marker(source);
      if (marker == null) {
        sources.add(source);
        continue;
      }
      Heredoc body = heredocs.stream().filter(h -> h.name().equals(marker.name())).findFirst()
          .orElse(new Heredoc(marker.name(), "", marker.expand(), marker.chomp(), marker.fd()));
      inline.add(new Heredoc(marker.name(), body.content(), marker.expand(), marker.chomp(), marker.fd()));
    }
    List<String> excludes = flags.all("exclude");
    DockerIgnore.of(excludes, keyword + " --exclude"); // a bad pattern fails here, naming the line
    if (keyword.equals("COPY")) {
      return new Instruction.Copy(at, sources, inline, destination, flags.get("from"),
          flags.get("chown"), flags.get("chmod"), flags.isTrue("link"), excludes, flags.isTrue("parents"));
    }
    Instruction.Add add = new Instruction.Add(at, sources, inline, destination, flags.get("chown"),
        flags.get("chmod"), flags.isTrue("link"), flags.get("checksum"), excludes,
        flags.get("unpack").map(Boolean::parseBoolean), flags.isTrue("keep-git-dir"));
    return add.toString().contains("$") ? add : checkRemote(add);
  }

  private static final Pattern REMOTE = Pattern.compile("^(?:[a-zA-Z][a-zA-Z0-9+.-]*://|git@).*", Pattern.DOTALL);

  /**
   * ADD's remote sources, as BuildKit tells them apart: an http(s) URL is downloaded, a git
   * repository ({@link Instruction.Add#isGit}) fetched; other schemes are errors. {@code --checksum}
   * is for URLs only, and names a sha256 digest.
   */
  static Instruction.Add checkRemote(Instruction.Add add) throws DockerfileException {
    for (String source : add.sources()) {
      if (REMOTE.matcher(source).matches() && !Instruction.Add.isUrl(source) && !Instruction.Add.isGit(source)) {
        throw DockerfileException.of("ADD from a URL that is neither http(s) nor a git repository (" + source
            + ") is not supported; download it in a RUN step, or put it in the build context and ADD it from there");
      }
    }
    if (add.checksum().isPresent()) {
      if (!add.checksum().get().matches("sha256:[0-9a-f]{64}")) {
        throw DockerfileException.of("ADD --checksum=" + add.checksum().get() + ": write sha256: and the"
            + " 64 lower-case hex digits of the file's SHA-256");
      }
      if (add.sources().size() != 1 || !Instruction.Add.isUrl(add.sources().get(0))) {
        throw DockerfileException.of("ADD --checksum is for one http or https URL source");
      }
    }
    return add;
  }


  /** Flags BuildKit knows but Lading does not implement: an error rather than a silent no-op. */
  private static void refuse(List<String> flagWords, String keyword, String... names)
      throws DockerfileException {
    for (String word : flagWords) {
      for (String name : names) {
        if (word.equals("--" + name) || word.startsWith("--" + name + "=")) {
          throw DockerfileException.of(keyword + " --" + name + " is not supported; remove the flag");
        }
      }
    }
  }

  private List<KeyValue> keyValues(String args, String keyword) throws DockerfileException {
    List<String> words = Words.split(args, escape);
    if (words.isEmpty()) {
      throw DockerfileException.of(keyword + " requires at least one argument");
    }
    List<KeyValue> pairs = new ArrayList<>();
    if (!words.get(0).contains("=")) {
      // Legacy form: ENV name value-with-spaces.
      String[] parts = LineParser.splitFirstWord(args);
      if (parts.length < 2 || parts[1].isEmpty()) {
        throw DockerfileException.of(keyword + " must have two arguments: " + keyword + " name=value");
      }
      pairs.add(new KeyValue(parts[0], parts[1]));
      return pairs;
    }
    for (String word : words) {
      int eq = word.indexOf('=');
      if (eq < 0) {
        throw DockerfileException.of("Syntax error - can't find = in \"" + word
            + "\". Must be of the form: name=value");
      }
      if (eq == 0) {
        throw DockerfileException.of(keyword + " names can not be blank");
      }
      pairs.add(new KeyValue(word.substring(0, eq), word.substring(eq + 1)));
    }
    return pairs;
  }

  private Instruction arg(Location at, String args) throws DockerfileException {
    List<String> words = Words.split(args, escape);
    if (words.isEmpty()) {
      throw DockerfileException.of("ARG requires at least one argument");
    }
    List<ArgDeclaration> declarations = new ArrayList<>();
    for (String word : words) {
      int eq = word.indexOf('=');
      if (eq == 0) {
        throw DockerfileException.of("ARG names can not be blank");
      }
      declarations.add(eq < 0 ? new ArgDeclaration(word, Optional.empty())
          : new ArgDeclaration(word.substring(0, eq), Optional.of(word.substring(eq + 1))));
    }
    return new Instruction.Arg(at, declarations);
  }

  private Instruction volume(Location at, String args) throws DockerfileException {
    List<String> json = Json.parse(args);
    List<String> paths = new ArrayList<>();
    for (String path : json != null ? json : whitespaceWords(args)) {
      if (path.isBlank()) {
        throw DockerfileException.of("VOLUME specified can not be an empty string");
      }
      paths.add(path.strip());
    }
    return new Instruction.Volume(at, atLeastOne(paths, "VOLUME"));
  }

  private Instruction healthcheck(Location at, List<String> flagWords, String args)
      throws DockerfileException {
    String[] split = LineParser.splitFirstWord(args);
    String type = split[0].toUpperCase(Locale.ROOT);
    String rest = split.length > 1 ? split[1] : "";
    if (type.isEmpty()) {
      throw DockerfileException.of("HEALTHCHECK requires at least one argument: CMD command, or NONE");
    }
    Flags flags = new Flags().string("interval").string("timeout").string("start-period")
        .string("start-interval").string("retries").parse(flagWords);
    if (type.equals("NONE")) {
      if (!rest.isEmpty() || !flagWords.isEmpty()) {
        throw DockerfileException.of("HEALTHCHECK NONE takes no arguments");
      }
      return new Instruction.Healthcheck(at, true, Optional.empty(), Duration.ZERO, Duration.ZERO,
          Duration.ZERO, Duration.ZERO, 0);
    }
    if (!type.equals("CMD")) {
      throw DockerfileException.of("Unknown type \"" + split[0] + "\" in HEALTHCHECK (try CMD)");
    }
    if (rest.isEmpty()) {
      throw DockerfileException.of("Missing command after HEALTHCHECK CMD");
    }
    CommandLine test = shellDependent(rest, "HEALTHCHECK CMD", false);
    int retries = 0;
    if (flags.has("retries")) {
      try {
        retries = Integer.parseInt(flags.get("retries").orElseThrow());
      } catch (NumberFormatException e) {
        throw DockerfileException.of("--retries must be a whole number, not \"" + flags.get("retries").orElseThrow() + "\"");
      }
      if (retries < 0) {
        throw DockerfileException.of("--retries cannot be negative (" + retries + ")");
      }
    }
    return new Instruction.Healthcheck(at, false, Optional.of(test), interval(flags, "interval"),
        interval(flags, "timeout"), interval(flags, "start-period"), interval(flags, "start-interval"),
        retries);
  }

  private static Duration interval(Flags flags, String name) throws DockerfileException {
    Optional<String> value = flags.get(name);
    if (value.isEmpty() || value.get().isEmpty()) {
      return Duration.ZERO;
    }
    Duration d = Flags.goDuration(value.get());
    if (!d.isZero() && d.compareTo(MINIMUM_INTERVAL) < 0) {
      throw DockerfileException.of("Interval \"" + name + "\" cannot be less than 1ms");
    }
    return d;
  }

  private Instruction onbuild(Location at, String args, RawLine raw) throws DockerfileException {
    if (args.isEmpty()) {
      throw DockerfileException.of("ONBUILD requires at least one argument");
    }
    String[] split = LineParser.splitFirstWord(args);
    String trigger = split[0].toUpperCase(Locale.ROOT);
    if (trigger.equals("ONBUILD")) {
      throw DockerfileException.of("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    }
    if (trigger.equals("MAINTAINER") || trigger.equals("FROM")) {
      throw DockerfileException.of(trigger + " isn't allowed as an ONBUILD trigger");
    }
    List<String> subFlags = new ArrayList<>();
    String subArgs = split.length > 1 ? LineParser.extractFlags(split[1], subFlags, escape).strip() : "";
    RawLine sub = new RawLine(raw.startLine(), raw.endLine(), split[0], List.copyOf(subFlags), subArgs,
        args, raw.heredocs());
    Instruction parsed = dispatch(sub, trigger);
    StringBuilder expression = new StringBuilder(args);
    for (Heredoc heredoc : raw.heredocs()) {
      expression.append('\n').append(heredoc.content()).append(heredoc.name());
    }
    return new Instruction.Onbuild(at, expression.toString(), parsed);
  }

  private static String noFlags(List<String> flagWords, String args) throws DockerfileException {
    new Flags().parse(flagWords);
    return args;
  }

  private static String exactlyOne(String args, String keyword) throws DockerfileException {
    if (args.isEmpty()) {
      throw DockerfileException.of(keyword + " requires exactly one argument");
    }
    return args;
  }

  private static List<String> atLeastOne(List<String> words, String keyword) throws DockerfileException {
    if (words.isEmpty()) {
      throw DockerfileException.of(keyword + " requires at least one argument");
    }
    return words;
  }

  private static List<String> whitespaceWords(String args) {
    List<String> out = new ArrayList<>();
    for (String word : args.split("[\\t\\x0B\\f\\r ]+")) {
      if (!word.isEmpty()) {
        out.add(word);
      }
    }
    return out;
  }
}
