package dev.lading.build.dockerfile;

import dev.lading.dockerfile.Instruction;
import dev.lading.io.FileTrees;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The git repositories of one ADD ({@code ADD https://host/repo.git#REF:SUBDIR /dir}), fetched with
 * the host's {@code git}, as BuildKit adds them: the tree of the commit {@code REF} names (a branch,
 * a tag or a commit; default the remote's HEAD), or its {@code SUBDIR}, with files 644 (755 when
 * executable in git), directories 755, without {@code .git} unless {@code --keep-git-dir}, and
 * submodules checked out. The step cache key names the commit, so a rebuild asks the remote what
 * {@code REF} is now ({@code git ls-remote}) and fetches nothing when it has not moved. Every file's
 * time is the commit's, so that the layer depends on the commit only, not on when it was fetched.
 * git reaches the network with its own settings (http_proxy and the like, ~/.gitconfig credentials,
 * ssh for {@code git@} addresses, with the build's default ssh agent as BuildKit's), never prompting.
 */
final class GitSources implements AutoCloseable {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
  private static final long TIMEOUT_MINUTES = 30;

  private final Path dir;
  private final Consumer<String> log;
  private final Map<String, String> commits = new HashMap<>();
  private final Path sshAgent;
  private int checkouts;

  /**
   * A repository address as BuildKit reads it: {@code URL#REF:SUBDIR}, or with a query
   * ({@code URL?ref=|tag=|branch=...&subdir=...&checksum=COMMIT&keep-git-dir&submodules=false}).
   *
   * @param checksum the commit the ref must name (or, without a ref, the commit to take); may be a prefix
   * @param keepGitDir the query's keep-git-dir, else null
   * @param submodules false when the query says submodules=false
   */
  record GitRef(String remote, String ref, String subdir, String checksum, Boolean keepGitDir, boolean submodules) {
    static GitRef parse(String source, Instruction.Location at) throws BuildException {
      try {
        return parse(source);
      } catch (BuildException e) {
        throw new BuildException("line " + at.line() + ": " + e.getMessage());
      }
    }

    static GitRef parse(String source) throws BuildException {
      int hash = source.indexOf('#');
      String address = hash < 0 ? source : source.substring(0, hash);
      String fragment = hash < 0 ? "" : source.substring(hash + 1);
      int colon = fragment.indexOf(':');
      String ref = colon < 0 ? fragment : fragment.substring(0, colon);
      String subdir = colon < 0 ? "" : fragment.substring(colon + 1);
      String checksum = "";
      Boolean keep = null;
      boolean submodules = true;
      int question = address.indexOf('?');
      if (question >= 0) {
        for (String pair : address.substring(question + 1).split("&")) {
          int eq = pair.indexOf('=');
          String key = decode(eq < 0 ? pair : pair.substring(0, eq));
          String value = eq < 0 ? null : decode(pair.substring(eq + 1));
          switch (key) {
            case "ref" -> ref = conflict("ref", ref, value, source);
            case "tag" -> ref = conflict("ref", ref, "refs/tags/" + value, source);
            case "branch" -> ref = conflict("ref", ref, "refs/heads/" + value, source);
            case "subdir" -> subdir = conflict("subdir", subdir, value, source);
            case "checksum", "commit" -> checksum = value == null ? "" : value;
            case "keep-git-dir" -> keep = value == null || Boolean.parseBoolean(value);
            case "submodules" -> submodules = value == null || Boolean.parseBoolean(value);
            case "mtime" -> { } // files get the commit's time either way (reproducible)
            default -> throw new BuildException("ADD " + source + ": unknown git query parameter " + key
                + "; use ref, tag, branch, subdir, checksum, keep-git-dir or submodules");
          }
        }
        address = address.substring(0, question);
      }
      return new GitRef(address, ref, subdir, checksum, keep, submodules);
    }

    private static String conflict(String what, String before, String value, String source) throws BuildException {
      if (value == null || value.isEmpty()) {
        throw new BuildException("ADD " + source + ": the git query parameter " + what + " has no value");
      }
      if (!before.isEmpty() && !before.equals(value)) {
        throw new BuildException("ADD " + source + ": " + what + " conflicts: " + before + " vs " + value);
      }
      return value;
    }

    private static String decode(String s) {
      return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
  }

  /** @param sshAgent the socket of the build's default ssh agent ({@code --ssh default}), or null */
  GitSources(Path dir, Consumer<String> log, Path sshAgent) {
    this.dir = dir;
    this.log = log;
    this.sshAgent = sshAgent;
  }

  /** What the step cache key says of {@code source}: the repository, the commit and the subdirectory. */
  String identity(String source, boolean keepGitDir, Instruction.Location at) throws IOException {
    GitRef ref = GitRef.parse(source, at);
    return ref.remote() + "\0" + commit(ref, at) + "\0" + ref.subdir() + (keeps(ref, keepGitDir) ? "\0.git" : "")
        + (ref.submodules() ? "" : "\0no submodules");
  }

  private static boolean keeps(GitRef ref, boolean flag) {
    return ref.keepGitDir() != null ? ref.keepGitDir() : flag;
  }

  /**
   * The directory whose contents go to the destination: the commit's tree (or its subdirectory),
   * checked out now.
   */
  Path tree(String source, boolean keepGitDir, Instruction.Location at) throws IOException {
    GitRef ref = GitRef.parse(source, at);
    String commit = commit(ref, at);
    Path work = Files.createDirectories(dir).resolve("git-" + (++checkouts));
    Files.createDirectories(work);
    git(at, source, work, "init", "-q");
    // Shallow where the server allows it (a dumb http server does not), by commit where it allows
    // that, else by the ref that named it.
    String want = ref.ref().isEmpty() || COMMIT.matcher(ref.ref()).matches() ? commit : ref.ref();
    if (!tryGit(work, "fetch", "-q", "--depth", "1", "--", ref.remote(), want)
        && !tryGit(work, "fetch", "-q", "--", ref.remote(), want)) {
      git(at, source, work, "fetch", "-q", "--", ref.remote(), ref.ref().isEmpty() ? "HEAD" : ref.ref());
    }
    git(at, source, work, "-c", "advice.detachedHead=false", "checkout", "-q", commit);
    if (ref.submodules()) {
      git(at, source, work, "submodule", "update", "-q", "--init", "--recursive", "--depth", "1");
    }
    String time = git(at, source, work, "log", "-1", "--format=%ct", commit).strip();
    normalize(work, FileTime.from(Long.parseLong(time), TimeUnit.SECONDS), keeps(ref, keepGitDir));
    log.accept("fetched " + ref.remote() + (ref.ref().isEmpty() ? "" : "#" + ref.ref()) + " (commit " + commit + ")");
    Path tree = ref.subdir().isEmpty() ? work : work.resolve(clean(ref.subdir(), source, at));
    if (!Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
      throw new BuildException("line " + at.line() + ": ADD " + source + ": the commit " + commit
          + " has no directory " + ref.subdir());
    }
    return tree;
  }

  /** The commit {@code ref} names at the remote now, asked once per build. */
  private String commit(GitRef ref, Instruction.Location at) throws IOException {
    String key = ref.remote() + "#" + ref.ref() + "@" + ref.checksum();
    String known = commits.get(key);
    if (known != null) {
      return known;
    }
    String commit;
    if (COMMIT.matcher(ref.ref()).matches()) {
      commit = ref.ref();
    } else if (ref.ref().isEmpty() && COMMIT.matcher(ref.checksum()).matches()) {
      commit = ref.checksum(); // a commit named alone is fetched as it is
    } else {
      String name = ref.ref().isEmpty() ? "HEAD" : ref.ref();
      String listed = git(at, ref.remote(), null, "ls-remote", "--", ref.remote(), name);
      commit = pick(listed, name);
      if (commit == null) {
        throw new BuildException("line " + at.line() + ": ADD " + ref.remote() + "#" + ref.ref()
            + ": the repository has no branch or tag " + name + "; name a branch, a tag or a full commit");
      }
    }
    if (!ref.checksum().isEmpty() && !commit.startsWith(ref.checksum())) {
      throw new BuildException("line " + at.line() + ": ADD " + ref.remote() + ": " + (ref.ref().isEmpty() ? "HEAD"
          : ref.ref()) + " is the commit " + commit + ", not the checksum " + ref.checksum()
          + "; the ref moved, or the checksum is wrong");
    }
    commits.put(key, commit);
    return commit;
  }

  /** The commit of {@code name} in ls-remote's lines: a tag's (peeled), else a branch's, else HEAD's. */
  static String pick(String lsRemote, String name) {
    Map<String, String> refs = new HashMap<>();
    lsRemote.lines().map(l -> l.split("\t")).filter(f -> f.length == 2).forEach(f -> refs.put(f[1], f[0]));
    for (String candidate : List.of(name + "^{}", "refs/tags/" + name + "^{}", "refs/tags/" + name,
        "refs/heads/" + name, name)) {
      if (refs.containsKey(candidate)) {
        return refs.get(candidate);
      }
    }
    return null;
  }

  /**
   * Files 644, or 755 when executable; directories 755; every time the commit's; {@code .git}
   * gone unless kept (then as git left it, but for the times).
   */
  private static void normalize(Path work, FileTime time, boolean keepGitDir) throws IOException {
    if (!keepGitDir) {
      FileTrees.deleteTree(work.resolve(".git"));
    }
    List<Path> all = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(work)) {
      walk.forEach(all::add);
    }
    for (int i = all.size() - 1; i >= 0; i--) { // children first: a directory's time is set last
      Path p = all.get(i);
      if (!Files.isSymbolicLink(p)) {
        boolean executable = Files.isDirectory(p) || Files.isExecutable(p);
        Files.setAttribute(p, "unix:mode", executable ? 0755 : 0644);
      }
      Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(time, null, null);
    }
  }

  private static String clean(String subdir, String source, Instruction.Location at) throws BuildException {
    String clean = Path.of("/" + subdir).normalize().toString().substring(1);
    if (clean.startsWith("..")) {
      throw new BuildException("line " + at.line() + ": ADD " + source + ": the subdirectory " + subdir
          + " leads outside the repository");
    }
    return clean;
  }

  private boolean tryGit(Path work, String... args) throws IOException {
    return run(work, args).exit == 0;
  }

  /** Runs git; its output, or a BuildException with its last line and what to check. */
  private String git(Instruction.Location at, String source, Path work, String... args) throws IOException {
    Result r = run(work, args);
    if (r.exit != 0) {
      List<String> lines = r.output.strip().lines().toList();
      throw new BuildException("line " + at.line() + ": ADD " + source + ": git " + args[0] + " failed"
          + (lines.isEmpty() ? " (exit " + r.exit + ")" : ": " + lines.get(lines.size() - 1))
          + "; check the address, the ref and the network (git's own proxy and credential settings apply)");
    }
    return r.output;
  }

  private record Result(int exit, String output) {}

  private Result run(Path work, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (work != null) {
      pb.directory(work.toFile());
    }
    pb.environment().put("GIT_TERMINAL_PROMPT", "0"); // fail, never wait for a password
    pb.environment().put("GIT_ASKPASS", "true");
    if (sshAgent != null) { // git@ and ssh:// addresses sign with the agent the build was given
      pb.environment().put("SSH_AUTH_SOCK", sshAgent.toString());
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException notInstalled) {
      throw new BuildException("ADD of a git repository needs git on this machine (apt-get install git): "
          + notInstalled.getMessage());
    }
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return new Result(124, "git " + args[0] + " took longer than " + TIMEOUT_MINUTES + " minutes");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while git ran");
    }
    return new Result(p.exitValue(), output);
  }

  @Override
  public void close() throws IOException {
    FileTrees.deleteTree(dir);
  }
}
