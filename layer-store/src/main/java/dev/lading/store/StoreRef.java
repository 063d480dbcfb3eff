package dev.lading.store;

import dev.lading.model.Descriptor;
import java.util.Objects;

/** A named ref in the store: a full reference string and the manifest or index it points to. */
public record StoreRef(String name, Descriptor descriptor) implements Comparable<StoreRef> {
  public StoreRef {
    Objects.requireNonNull(name, "ref name");
    Objects.requireNonNull(descriptor, "ref descriptor");
  }

  @Override
  public int compareTo(StoreRef o) {
    return name.compareTo(o.name);
  }
}
