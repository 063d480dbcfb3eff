package dev.lading.mirror;

import dev.lading.io.AtomicFiles;
import dev.lading.io.DaemonThreads;
import dev.lading.model.Descriptor;
import dev.lading.model.Json;
import dev.lading.store.Store;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The durable queue of pushes the mirror forwards to their upstream: one small JSON file per pending
 * forward under {@code .lading/mirror/outbox/} of the store, written (temp, fsync, rename) before the
 * push is acknowledged and removed only once the upstream accepted the manifest, so a forward
 * survives restarts and SIGKILL: the files are replayed on start.
 *
 * <p>Forwards to one upstream repository run in the order they were pushed, one at a time; a failing
 * one is retried with exponential backoff (capped) and holds back later ones of its repository, so
 * the upstream never ends with an older tag than the mirror's. Each queued manifest is pinned in the
 * store by a hidden tag {@code _outbox-<seq>}, so gc cannot take it when its tag moves meanwhile.
 */
public final class Outbox {
  /** Hidden tags that keep queued manifests alive; not listed. */
  static final String PIN_PREFIX = "_outbox-";
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

  /** How pushes reach the upstream. */
  public enum Mode { ASYNC, SYNC, OFF }

  /**
   * One pending forward as stored in its file: the store's {@code repository:tag} (pinned by
   * {@link #pinTag()}) goes to {@code upstream} as {@code remoteRepository:tag}; with a null
   * {@code tag} (a referrer, pushed by digest) as {@code remoteRepository@digest}.
   */
  public record Forward(long seq, String repository, String tag, String digest, String upstream,
      String upstreamHost, String remoteRepository, long queuedMillis) {
    /** The hidden tag of {@code repository} that holds the manifest until it is forwarded. */
    public String pinTag() {
      return PIN_PREFIX + seq;
    }

    /** Where it goes: {@code HOST/REPOSITORY:TAG}, or {@code HOST/REPOSITORY@DIGEST}. */
    public String destination() {
      return upstreamHost + "/" + remoteRepository + (tag != null ? ":" + tag : "@" + digest);
    }
  }

  /** Sends one forward's manifest, its blobs and its children to the upstream. */
  public interface Sender {
    /** Returns once the upstream accepted the manifest; throws otherwise. */
    void send(Forward forward) throws IOException;
  }

  /** A forward in memory: the file's content and how its attempts went. */
  private static final class Pending {
    final Forward forward;
    int attempts;
    String lastError;
    long lastAttemptMillis;
    long notBeforeNanos;
    boolean sending;
    /** Completed by the first attempt's outcome: what a {@code sync} push waits for. */
    final CompletableFuture<Void> firstOutcome = new CompletableFuture<>();

    Pending(Forward forward) {
      this.forward = forward;
    }

    String queue() {
      return forward.upstream() + "/" + forward.remoteRepository();
    }
  }

  private final Store store;
  private final Path dir;
  private final Mode mode;
  private final Sender sender;
  private final Duration maxBackoff;
  private final Consumer<String> log;
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  private final AtomicLong nextSeq;
  /** Failed attempts since start, for /metrics. */
  private final java.util.concurrent.atomic.LongAdder failedAttempts =
      new java.util.concurrent.atomic.LongAdder();
  private final ExecutorService senders;
  private boolean closed;

  private Outbox(Store store, Mode mode, Sender sender, Duration maxBackoff, Consumer<String> log)
      throws IOException {
    this.store = store;
    this.dir = store.root().resolve(".lading/mirror/outbox");
    this.mode = mode;
    this.sender = sender;
    this.maxBackoff = maxBackoff;
    this.log = log;
    Files.createDirectories(dir);
    long last = 0;
    for (Forward f : replay()) {
      pending.put(f.seq(), new Pending(f));
      last = Math.max(last, f.seq());
    }
    // Sequence numbers grow across restarts: after every file left, and after the clock's past.
    this.nextSeq = new AtomicLong(Math.max(last + 1, System.currentTimeMillis() * 1000));
    // Daemons: a forward cut short stays in its file and is replayed.
    this.senders = Executors.newFixedThreadPool(2, DaemonThreads.named("lading-forward"));
  }

  /**
   * Opens the outbox of {@code store}, replays the forwards left there and starts sending.
   *
   * @param maxBackoff the longest wait between two attempts of a failing forward
   * @param log receives one line per attempt outcome
   */
  public static Outbox start(Store store, Mode mode, Sender sender, Duration maxBackoff,
      Consumer<String> log) throws IOException {
    Outbox outbox = new Outbox(store, mode, sender, maxBackoff, log);
    if (!outbox.pending.isEmpty()) {
      log.accept("forward: " + outbox.pending.size() + " pending from before the restart");
    }
    Thread dispatcher = DaemonThreads.named("lading-forward-dispatch").newThread(outbox::dispatch);
    dispatcher.start();
    return outbox;
  }


  /** The mode pushes are forwarded in. */
  public Mode mode() {
    return mode;
  }

  /** The forwards in the outbox's files, oldest first; temp files of an interrupted write removed. */
  private List<Forward> replay() throws IOException {
    List<Forward> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.startsWith(".") && name.endsWith(AtomicFiles.TMP_SUFFIX)) {
          Files.deleteIfExists(file); // never renamed: its push was never acknowledged
        } else if (name.endsWith(".json")) {
          try {
            found.add(Json.read(Files.readAllBytes(file), Forward.class, file.toString()));
          } catch (RuntimeException e) {
            log.accept("forward: ignoring unreadable " + file + ": " + e.getMessage());
          }
        }
      }
    }
    found.sort((a, b) -> Long.compare(a.seq(), b.seq()));
    return found;
  }

  /**
   * Queues a push durably ({@code tag} null: by digest): pins the manifest, writes and fsyncs the
   * forward's file, then lets the senders know. Returns once a crash can no longer lose it.
   */
  public Forward enqueue(String repository, String tag, Descriptor stored, Upstreams.Target target)
      throws IOException {
    long seq = nextSeq.getAndIncrement();
    Forward f = new Forward(seq, repository, tag, stored.digest().toString(),
        target.upstream().name(), target.upstream().host(), target.remoteRepository(),
        System.currentTimeMillis());
    store.setTag(repository, f.pinTag(), stored);
    AtomicFiles.write(file(seq), Json.write(f));
    synchronized (this) {
      pending.put(seq, new Pending(f));
      notifyAll();
    }
    return f;
  }

  /**
   * Waits for the first attempt of {@code f} (after the earlier forwards of its repository); fails
   * at once when an earlier forward of its repository is failing, which it would wait behind.
   *
   * @throws IOException naming the upstream's failure, or the wait's end
   */
  public void awaitFirstAttempt(Forward f, Duration timeout) throws IOException {
    CompletableFuture<Void> outcome;
    synchronized (this) {
      Pending p = pending.get(f.seq());
      if (p == null) {
        return; // already sent
      }
      outcome = p.firstOutcome;
      for (Pending earlier : pending.headMap(f.seq(), false).values()) {
        if (earlier.queue().equals(p.queue()) && earlier.lastError != null) {
          throw new IOException("an earlier push to " + f.remoteRepository()
              + " is not forwarded yet: " + earlier.lastError);
        }
      }
    }
    try {
      outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for the forward");
    } catch (TimeoutException e) {
      throw new IOException("not forwarded within " + timeout.toSeconds() + "s (earlier pushes to "
          + f.remoteRepository() + " are still being retried)");
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** Starts every forward whose turn and time have come; sleeps until the next one is due. */
  private void dispatch() {
    synchronized (this) {
      while (!closed) {
        long now = System.nanoTime();
        long sleep = Long.MAX_VALUE;
        Set<String> seen = new HashSet<>();
        for (Pending p : pending.values()) {
          if (!seen.add(p.queue()) || p.sending) {
            continue; // an earlier forward of the same repository goes first
          }
          if (p.notBeforeNanos - now <= 0) {
            p.sending = true;
            senders.execute(() -> attempt(p));
          } else {
            sleep = Math.min(sleep, p.notBeforeNanos - now);
          }
        }
        try {
          wait(sleep == Long.MAX_VALUE ? 0 : Math.max(1, sleep / 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private void attempt(Pending p) {
    Forward f = p.forward;
    String what = f.repository() + (f.tag() != null ? ":" + f.tag() : "") + " " + f.digest()
        + " to " + f.upstream() + " (" + f.destination() + ")";
    int attempt;
    synchronized (this) {
      attempt = ++p.attempts;
      p.lastAttemptMillis = System.currentTimeMillis();
    }
    try {
      if (store.tag(f.repository(), f.pinTag()).isEmpty()) {
        // The pin goes right after a success: a crash before the file went leaves this case.
        log.accept("forward " + what + ": already done (no longer pinned in the store)");
      } else {
        sender.send(f);
        log.accept("forward " + what + ": done (attempt " + attempt + ")");
      }
      // The pin first, then the file: a crash in between is replayed as done, and leaks nothing.
      store.deleteTag(f.repository(), f.pinTag());
      Files.deleteIfExists(file(f.seq()));
      AtomicFiles.syncDirectory(dir);
      synchronized (this) {
        pending.remove(f.seq());
        notifyAll();
      }
      p.firstOutcome.complete(null);
    } catch (IOException | RuntimeException e) {
      failedAttempts.increment();
      long backoff = backoffMillis(attempt);
      String error = e.getMessage() == null ? e.toString() : e.getMessage();
      log.accept("forward " + what + ": failed (attempt " + attempt + ", next in " + backoff
          + "ms): " + error);
      List<Pending> behind = new ArrayList<>();
      synchronized (this) {
        p.lastError = error;
        p.notBeforeNanos = System.nanoTime() + backoff * 1_000_000;
        p.sending = false;
        pending.tailMap(f.seq(), false).values().stream()
            .filter(q -> q.queue().equals(p.queue())).forEach(behind::add);
        notifyAll();
      }
      p.firstOutcome.completeExceptionally(new IOException(error, e));
      // A sync push queued behind this one would wait for the whole outage: it fails now too.
      for (Pending q : behind) {
        q.firstOutcome.completeExceptionally(new IOException("an earlier push to "
            + f.remoteRepository() + " is not forwarded yet: " + error, e));
      }
    }
  }

  /** 1s, 2s, 4s ... up to the cap. */
  private long backoffMillis(int attempt) {
    long millis = FIRST_BACKOFF.toMillis() << Math.min(attempt - 1, 30);
    return Math.min(millis, maxBackoff.toMillis());
  }

  private Path file(long seq) {
    return dir.resolve(String.format(Locale.ROOT, "%020d.json", seq));
  }

  /** How many forwards are pending. */
  public synchronized int depth() {
    return pending.size();
  }

  /** How many forward attempts failed since the mirror started. */
  public long failedAttempts() {
    return failedAttempts.sum();
  }

  /** How many pending forwards failed their last attempt. */
  public synchronized int failing() {
    return (int) pending.values().stream().filter(p -> p.lastError != null).count();
  }

  /** What is queued, oldest first, with the attempts so far: the status endpoint's document. */
  public synchronized byte[] status() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Pending p : pending.values()) {
      Forward f = p.forward;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("repository", f.repository());
      m.put("tag", f.tag());
      m.put("digest", f.digest());
      m.put("upstream", f.upstream());
      m.put("destination", f.destination());
      m.put("queued", Instant.ofEpochMilli(f.queuedMillis()).toString());
      m.put("state", p.sending ? "sending" : p.lastError == null ? "waiting" : "retrying");
      m.put("attempts", p.attempts);
      if (p.lastAttemptMillis > 0) {
        m.put("lastAttempt", Instant.ofEpochMilli(p.lastAttemptMillis).toString());
      }
      if (p.lastError != null) {
        m.put("lastError", p.lastError);
      }
      list.add(m);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("forward", mode.name().toLowerCase(Locale.ROOT));
    doc.put("pending", list);
    return Json.write(doc);
  }

  /** Stops starting attempts; those under way finish or are cut short with the process. */
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    senders.shutdown();
  }
}
