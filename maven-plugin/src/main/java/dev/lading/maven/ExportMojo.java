package dev.lading.maven;

import dev.lading.model.Descriptor;
import dev.lading.model.ImageReference;
import dev.lading.model.MediaTypes;
import dev.lading.model.Platform;
import dev.lading.store.Store;
import dev.lading.transfer.BlobNotAvailableException;
import dev.lading.transfer.CopyOptions;
import dev.lading.transfer.CopyResult;
import dev.lading.transfer.DockerArchiveLocation;
import dev.lading.transfer.ImageLocation;
import dev.lading.transfer.ImageTransfer;
import dev.lading.transfer.OciArchiveLocation;
import dev.lading.transfer.StoreLocation;
import dev.lading.transfer.TransferListener;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * {@code image:export}: builds the image (unless image:build did in this build, so that it can be bound
 * alone, as Jib's buildTar) and writes it from the store to {@code target/image.tar}, as a {@code docker
 * load}-able docker-archive with the store's gzip layers (default; uncompressed with {@code
 * -Dimage.export.uncompressed}) or, with {@code -Dimage.export.format=oci-archive}, an OCI archive. Base
 * layers the store lacks are fetched on the way from where the base came from.
 */
@Mojo(name = "export", defaultPhase = LifecyclePhase.PACKAGE,
    requiresDependencyResolution = ResolutionScope.RUNTIME, threadSafe = true)
public class ExportMojo extends BuildMojo {
  /** {@code docker-archive} (default) or {@code oci-archive}. */
  @Parameter(property = "image.export.format", defaultValue = "docker-archive")
  protected String exportFormat;

  /** Writes a docker-archive's layers uncompressed, as {@code docker save} does (larger, slower). */
  @Parameter(property = "image.export.uncompressed", defaultValue = "false")
  protected boolean exportUncompressed;

  /** The archive to write (default {@code <outputPaths><tar>}, else {@code target/image.tar}). */
  @Parameter(property = "image.export.file")
  protected File exportFile;

  @Override
  protected String goal() {
    return "image:export";
  }

  @Override
  protected void run() throws IOException, MojoFailureException {
    if (!builtInThisBuild()) {
      buildIntoStore();
    }
    long start = System.nanoTime();
    ImageReference target = targetReference();
    Store store = openStore();
    Descriptor image = store.ref(target.toString()).orElseThrow(() -> new MojoFailureException(
        "image " + target + " is not in the store " + store.root() + "; run image:build first"));
    Path file = exportFile != null ? exportFile.toPath().toAbsolutePath() : outputPath("tar", outputPaths.tar, "image.tar");
    if (file.toString().contains(":")) {
      throw new IllegalArgumentException("the export file " + file + " must not contain ':'");
    }
    Files.createDirectories(file.getParent());
    ImageLocation destination = switch (exportFormat) {
      case "docker-archive", "docker" -> new DockerArchiveLocation(file,
          new ImageReference(target.registry(), target.repository(), target.tag(), null).toString(),
          !exportUncompressed);
      case "oci-archive", "oci" -> new OciArchiveLocation(file, target.tag());
      default -> throw new IllegalArgumentException("image.export.format '" + exportFormat
          + "' is neither docker-archive nor oci-archive");
    };
    MavenProgress progress = new MavenProgress(getLog(), logPrefix());
    List<ImageReference> involved = new ArrayList<>(List.of(target));
    String base = property("from.image", from.image);
    if (base != null) {
      involved.add(ImageReference.parse(base));
    }
    ImageTransfer transfer = transfer(store, progress, involved, new ExportListener(progress));
    boolean index = MediaTypes.isIndex(image.mediaType());
    List<Platform> platforms = platforms();
    CopyOptions options = CopyOptions.defaults()
        .withPlatform(platforms.isEmpty() ? null : platforms.get(0))
        .withAllPlatforms(index && destination instanceof OciArchiveLocation);
    CopyResult result;
    try {
      result = transfer.copy(StoreLocation.of(target), destination, options);
    } catch (BlobNotAvailableException e) {
      // Not a bug: the message says what to do (go online, seed the store).
      throw new MojoFailureException(goal() + " failed: " + e.getMessage(), e);
    }
    getLog().info("image:export " + target + " " + result.written().digest() + " to " + destination.text()
        + " (" + MavenProgress.human(Files.size(file)) + "; " + MavenProgress.human(result.bytesFetched())
        + " fetched) in " + seconds(start));
  }

  /** Passes the transfer's steps to the Maven log; the archive gets one summary line at the end. */
  private static final class ExportListener implements TransferListener {
    private final MavenProgress progress;

    ExportListener(MavenProgress progress) {
      this.progress = progress;
    }

    @Override
    public void info(String message) {
      progress.info(message);
    }
  }
}
