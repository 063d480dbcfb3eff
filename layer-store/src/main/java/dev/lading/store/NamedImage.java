package dev.lading.store;

import dev.lading.model.Descriptor;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A name that keeps an image in the store: a ref ({@code 127.0.0.1:5000/demo/app:1.0}) or a
 * repository tag of the mirror ({@code library/debian:12}, {@code tag} true), with its target and its
 * last use ({@link LastUse}).
 */
public record NamedImage(String name, boolean tag, Descriptor target, Instant lastUse) {

  /** A name with the file that holds it, as gc and the usage report read them. */
  record OnDisk(NamedImage image, Path file, String repository, String tagName) {}

  /**
   * Every ref and repository tag, oldest use first.
   *
   * @throws RepositoryTags.CorruptTagException when a tag file does not hold a descriptor (run fsck)
   */
  static List<OnDisk> all(RefStore refs, RepositoryTags tags) throws IOException {
    List<OnDisk> all = new ArrayList<>();
    for (StoreRef ref : refs.all()) {
      Path file = refs.file(ref.name());
      all.add(new OnDisk(new NamedImage(ref.name(), false, ref.descriptor(), LastUse.of(file)), file,
          null, null));
    }
    for (RepositoryTags.TagFile t : tags.scan().tags()) {
      Descriptor target;
      try {
        target = RepositoryTags.readFile(t.file());
      } catch (NoSuchFileException deletedMeanwhile) {
        continue; // deleting a tag needs no lease
      }
      all.add(new OnDisk(new NamedImage(t.repository() + ":" + t.tag(), true, target,
          LastUse.of(t.file())), t.file(), t.repository(), t.tag()));
    }
    all.sort((a, b) -> a.image().lastUse().compareTo(b.image().lastUse()));
    return all;
  }
}
