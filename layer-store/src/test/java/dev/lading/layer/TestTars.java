package dev.lading.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes arbitrary tars for tests, including hostile ones the production writer would never produce
 * (names with {@code ..}, absolute names, links pointing anywhere).
 */
final class TestTars {
  private final List<TarArchiveEntry> entries = new ArrayList<>();
  private final List<byte[]> contents = new ArrayList<>();

  static TestTars tar() {
    return new TestTars();
  }

  TestTars file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
  }

  TestTars file(String name, byte[] content, int mode) {
    TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, mode);
    e.setSize(content.length);
    return add(e, content);
  }

  TestTars dir(String name, int mode) {
    return add(entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode), null);
  }

  TestTars symlink(String name, String target) {
    TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, 0777);
    e.setLinkName(target);
    return add(e, null);
  }

  TestTars hardlink(String name, String target) {
    TarArchiveEntry e = entry(name, TarConstants.LF_LINK, 0644);
    e.setLinkName(target);
    return add(e, null);
  }

  TestTars device(String name, boolean block, int major, int minor) {
    TarArchiveEntry e = entry(name, block ? TarConstants.LF_BLK : TarConstants.LF_CHR, 0660);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return add(e, null);
  }

  TestTars fifo(String name, int mode) {
    return add(entry(name, TarConstants.LF_FIFO, mode), null);
  }

  /** Sets the owner of the entry added last. */
  TestTars owner(long uid, long gid) {
    TarArchiveEntry last = entries.get(entries.size() - 1);
    last.setUserId(uid);
    last.setGroupId(gid);
    return this;
  }

  /** Sets the mtime of the entry added last. */
  TestTars mtime(Instant time) {
    entries.get(entries.size() - 1).setLastModifiedTime(FileTime.from(time));
    return this;
  }

  private static TarArchiveEntry entry(String name, byte flag, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name, flag, true);
    e.setMode(mode);
    e.setUserName("");
    e.setGroupName("");
    e.setUserId(0);
    e.setGroupId(0);
    e.setLastModifiedTime(FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
    return e;
  }

  private TestTars add(TarArchiveEntry e, byte[] content) {
    entries.add(e);
    contents.add(content);
    return this;
  }

  byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (int i = 0; i < entries.size(); i++) {
        tar.putArchiveEntry(entries.get(i));
        if (contents.get(i) != null) {
          tar.write(contents.get(i));
        }
        tar.closeArchiveEntry();
      }
      tar.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  byte[] gzip() {
    return gzip(bytes());
  }

  static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
