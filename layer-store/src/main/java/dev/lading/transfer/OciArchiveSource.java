package dev.lading.transfer;

import dev.lading.model.Descriptor;
import dev.lading.store.Store;
import dev.lading.transfer.InspectResult.RawDocument;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongConsumer;

/** Reads an {@code oci-archive}: the tarball is extracted privately and read as a layout. */
final class OciArchiveSource implements ImageSource {
  private final ArchiveDirectory extracted;
  private final LayoutSource layout;

  OciArchiveSource(Store store, OciArchiveLocation location) throws IOException {
    this.extracted = ArchiveDirectory.extract(store, location.path(), location.text());
    this.layout = new LayoutSource(extracted.dir(), location.ref(), location.text());
  }

  @Override
  public RawDocument root() throws IOException {
    return layout.root();
  }

  @Override
  public byte[] manifest(Descriptor d) throws IOException {
    return layout.manifest(d);
  }

  @Override
  public byte[] smallBlob(Descriptor d) throws IOException {
    return layout.smallBlob(d);
  }

  @Override
  public boolean fetchInto(Store store, Descriptor d, LongConsumer progress) throws IOException {
    return layout.fetchInto(store, d, progress);
  }

  @Override
  public Optional<Path> localBlob(Descriptor d) {
    return layout.localBlob(d);
  }

  @Override
  public void close() {
    extracted.close();
  }
}
