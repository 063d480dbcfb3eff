package dev.lading.build;

/**
 * What a seed did: images resolved, their layers (counted once per platform image), how many of those
 * were downloaded now and how many bytes that was. A second seed of the same images fetches nothing.
 */
public record SeedResult(int images, int layers, int fetched, long bytesFetched) {
  /** Nothing seeded yet. */
  public static final SeedResult EMPTY = new SeedResult(0, 0, 0, 0);

  /** This result and {@code other} together. */
  public SeedResult plus(SeedResult other) {
    return new SeedResult(images + other.images, layers + other.layers, fetched + other.fetched,
        bytesFetched + other.bytesFetched);
  }
}
