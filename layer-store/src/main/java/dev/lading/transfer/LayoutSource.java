package dev.lading.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lading.digest.Digest;
import dev.lading.model.Descriptor;
import dev.lading.model.InvalidImageException;
import dev.lading.model.Json;
import dev.lading.store.BlobWriter;
import dev.lading.store.Store;
import dev.lading.transfer.InspectResult.RawDocument;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Reads an OCI image layout directory without changing it (a source layout may belong to another
 * tool, or be read-only). Also reads extracted {@code oci-archive} tarballs.
 */
final class LayoutSource implements ImageSource {
  private static final int BUFFER = 64 * 1024;

  private final Path dir;
  private final String ref;
  private final String name;

  /**
   * @param name how messages name the location, e.g. {@code oci:/tmp/layout:app}
   */
  LayoutSource(Path dir, String ref, String name) {
    this.dir = dir;
    this.ref = ref;
    this.name = name;
  }

  @Override
  public RawDocument root() throws IOException {
    Path indexFile = dir.resolve("index.json");
    if (!Files.isRegularFile(indexFile)) {
      throw new ImageNotFoundException(name + ": " + (Files.exists(dir)
          ? dir + " is not an OCI image layout (it has no index.json); give the directory that holds"
              + " oci-layout, index.json and blobs/"
          : dir + " does not exist; check the path"));
    }
    JsonNode index = Json.read(Files.readAllBytes(indexFile), JsonNode.class, "index.json of " + dir);
    JsonNode manifests = index.get("manifests");
    if (manifests == null || !manifests.isArray()) {
      throw new InvalidImageException(indexFile + " has no manifests array; it is not an OCI image index");
    }
    List<Descriptor> entries = new ArrayList<>();
    for (JsonNode entry : manifests) {
      try {
        entries.add(Json.mapper().treeToValue(entry, Descriptor.class));
      } catch (IOException | IllegalArgumentException e) {
        throw new InvalidImageException(indexFile + " has an invalid entry: " + e.getMessage(), e);
      }
    }
    Descriptor chosen = choose(entries);
    return new RawDocument(chosen.mediaType(), chosen.digest(),
        ImageSource.verified(read(chosen.digest()), chosen, name));
  }

  private Descriptor choose(List<Descriptor> entries) throws ImageNotFoundException {
    List<String> names = new ArrayList<>();
    for (Descriptor d : entries) {
      String refName = d.annotation(Descriptor.REF_NAME);
      names.add(refName != null ? refName : "(unnamed " + d.digest().shortHex() + ")");
    }
    if (ref == null) {
      if (entries.size() == 1) {
        return entries.get(0);
      }
      throw new ImageNotFoundException(name + " holds " + (entries.isEmpty() ? "no images"
          : entries.size() + " images: " + Listing.some(names) + "; add :REF to choose one"));
    }
    for (Descriptor d : entries) {
      if (ref.equals(d.annotation(Descriptor.REF_NAME))) {
        return d;
      }
    }
    throw new ImageNotFoundException(name + ": no image named " + ref + " in " + dir
        + "; it holds " + Listing.some(names));
  }

  @Override
  public byte[] manifest(Descriptor d) throws IOException {
    return read(d.digest());
  }

  @Override
  public byte[] smallBlob(Descriptor d) throws IOException {
    return ImageSource.verified(read(d.digest()), d, name);
  }

  @Override
  public boolean fetchInto(Store store, Descriptor d, LongConsumer progress) throws IOException {
    if (store.has(d.digest())) {
      return false;
    }
    try (InputStream in = open(d.digest()); BlobWriter writer = store.writer(d.digest())) {
      byte[] buffer = new byte[BUFFER];
      for (int n; (n = in.read(buffer)) != -1; ) {
        writer.write(buffer, 0, n);
        progress.accept(writer.position());
      }
      if (writer.position() != d.size()) {
        throw new InvalidImageException(name + ": blob " + d.digest() + " has " + writer.position()
            + " bytes but its descriptor says " + d.size());
      }
      writer.commit(); // verifies the digest
      return true;
    }
  }

  @Override
  public Optional<Path> localBlob(Descriptor d) {
    Path file = blobFile(d.digest());
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  private Path blobFile(Digest digest) {
    return dir.resolve("blobs").resolve(Digest.SHA256).resolve(digest.hex());
  }

  private byte[] read(Digest digest) throws IOException {
    try {
      return Files.readAllBytes(blobFile(digest));
    } catch (NoSuchFileException e) {
      throw missing(digest, e);
    }
  }

  private InputStream open(Digest digest) throws IOException {
    try {
      return Files.newInputStream(blobFile(digest));
    } catch (NoSuchFileException e) {
      throw missing(digest, e);
    }
  }

  private IOException missing(Digest digest, NoSuchFileException e) {
    return new IOException(name + ": blob " + digest + " is missing from " + dir
        + "; the layout is incomplete, copy the image into it again", e);
  }
}
