package dev.lading.cli;

import dev.lading.build.SeedException;
import dev.lading.build.SeedImage;
import dev.lading.build.SeedResult;
import dev.lading.build.Seeder;
import dev.lading.model.ImageReference;
import dev.lading.model.Platform;
import dev.lading.registry.RegistryClient;
import dev.lading.store.Store;
import dev.lading.transfer.Mirrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lading store seed}: pulls the images builds will need into the store, for offline builds. */
@Command(name = "seed", mixinStandardHelpOptions = true,
    description = {"Pull images, layers and all, into the store so that later builds need no registry"
        + " (pre-seed a CI cache). What the store has is skipped: an image pinned by digest that is"
        + " all there needs no network.",
        "",
        "Example: lading store seed --file images.txt --from-pom pom.xml --platform linux/amd64"})
final class StoreSeedCommand implements Callable<Integer> {
  @Mixin GlobalOptions global;

  @Parameters(paramLabel = "IMAGE", arity = "0..*",
      description = "Images by tag or digest, e.g. debian:12 or ghcr.io/o/app@sha256:....")
  List<String> images = new ArrayList<>();

  @Option(names = "--file", paramLabel = "FILE",
      description = "Also the images listed in FILE, one a line ('#' comments, blank lines ignored;"
          + " '-' reads stdin). A CI cache key can be this file's hash.")
  List<String> files = new ArrayList<>();

  @Option(names = "--from-pom", paramLabel = "POM",
      description = "Also the base images a Maven project's image builds pull (image-maven-plugin's"
          + " <from><image>, <seed>, <from><dockerfile> FROM lines; Jib's <from><image>), modules"
          + " included; read as XML, without Maven.")
  List<Path> poms = new ArrayList<>();

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "A platform to take from a multi-platform image; repeatable (default: this"
          + " machine's).")
  List<String> platforms = new ArrayList<>();

  @Option(names = "--all-platforms", description = "Every platform of a multi-platform image.")
  boolean allPlatforms;

  @Mixin RegistryAccess registries;

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    if (allPlatforms && !platforms.isEmpty()) {
      throw new IllegalArgumentException("--all-platforms and --platform exclude each other; give one");
    }
    List<SeedImage> wanted = wanted();
    if (wanted.isEmpty()) {
      throw new IllegalArgumentException("nothing to seed: name images, or give --file or --from-pom");
    }
    List<Platform> chosen = new ArrayList<>();
    for (String p : platforms) {
      chosen.add(Platform.parse(p));
    }
    Seeder.Platforms which = allPlatforms ? Seeder.Platforms.everyPlatform()
        : Seeder.Platforms.of(chosen, Platform.current());
    Store store = global.openStore();
    Progress progress = new Progress(System.err, global.quiet);
    List<String> hosts = wanted.stream().map(i -> i.reference().registry()).distinct().toList();
    RegistryClient client = registries.client(hosts, progress);
    SeedResult result;
    try {
      result = new Seeder(store, client, Mirrors.none(), progress).seed(wanted, which);
    } catch (SeedException e) {
      SeedResult done = e.done();
      throw new IOException(e.getMessage() + (done.images() == 0 ? ""
          : " (the " + done.images() + " image(s) before it are seeded and stay in the store)"), e);
    }
    System.out.println("seeded " + result.images() + (result.images() == 1 ? " image" : " images") + ": "
        + result.layers() + (result.layers() == 1 ? " layer, " : " layers, ") + result.fetched() + " fetched now ("
        + Sizes.human(result.bytesFetched()) + ") in "
        + String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9));
    return 0;
  }

  /** The images of the arguments, the files and the POMs, in that order, each once. */
  private List<SeedImage> wanted() throws IOException {
    Map<ImageReference, String> all = new LinkedHashMap<>();
    for (String image : images) {
      all.putIfAbsent(ImageReference.parse(image), null);
    }
    for (String file : files) {
      String text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(file));
      for (ImageReference reference : ImageListFile.parse(text, file.equals("-") ? "stdin" : file)) {
        all.putIfAbsent(reference, null);
      }
    }
    for (Path pom : poms) {
      for (SeedImage image : PomImages.read(pom)) {
        // A Dockerfile's text wins: the Maven plugin's Dockerfile build looks the base up by it.
        if (all.get(image.reference()) == null) {
          all.put(image.reference(), image.writtenAs());
        }
      }
    }
    List<SeedImage> result = new ArrayList<>();
    all.forEach((reference, text) -> result.add(new SeedImage(reference, text)));
    return result;
  }
}
