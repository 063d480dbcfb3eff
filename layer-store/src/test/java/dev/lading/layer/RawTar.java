package dev.lading.layer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes tar headers byte by byte, for what no tar library will produce on request: GNU
 * {@code ././@LongLink} records, PAX records with arbitrary bytes ({@code hdrcharset=BINARY}), PAX global
 * headers, names that are not UTF-8, and broken checksums.
 */
final class RawTar {
  private static final int BLOCK = 512;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static RawTar raw() {
    return new RawTar();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A regular file. */
  RawTar file(byte[] name, byte[] content) {
    return entry(name, '0', 0644, new byte[0], content, false);
  }

  RawTar file(String name, String content) {
    return file(utf8(name), utf8(content));
  }

  RawTar dir(String name) {
    return entry(utf8(name.endsWith("/") ? name : name + "/"), '5', 0755, new byte[0], new byte[0], false);
  }

  RawTar symlink(byte[] name, byte[] target) {
    return entry(name, '2', 0777, target, new byte[0], false);
  }

  RawTar hardlink(byte[] name, byte[] target) {
    return entry(name, '1', 0644, target, new byte[0], false);
  }

  /** A GNU {@code ././@LongLink} record giving the next entry's name ({@code L}) or link target ({@code K}). */
  RawTar gnuLong(char type, byte[] value) {
    byte[] data = Arrays.copyOf(value, value.length + 1); // GNU tar NUL-terminates the name
    return entry(utf8("././@LongLink"), type, 0644, new byte[0], data, true);
  }

  /** A PAX extended header: {@code x} for the next entry, {@code g} for the whole archive. */
  RawTar pax(char type, Map<String, byte[]> records) {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    records.forEach((key, value) -> data.writeBytes(paxRecord(key, value)));
    return entry(utf8(type == 'g' ? "pax_global_header" : "PaxHeaders/entry"), type, 0644, new byte[0],
        data.toByteArray(), false);
  }

  static Map<String, byte[]> records(String... keysAndValues) {
    Map<String, byte[]> records = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      records.put(keysAndValues[i], utf8(keysAndValues[i + 1]));
    }
    return records;
  }

  /** Any header; names and link targets longer than the ustar fields are cut (a long record precedes them). */
  RawTar entry(byte[] name, char type, int mode, byte[] linkName, byte[] data, boolean gnuMagic) {
    byte[] h = new byte[BLOCK];
    put(h, 0, 100, name);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, data.length);
    octal(h, 136, 12, 1577836800L); // 2020-01-01
    h[156] = (byte) type;
    put(h, 157, 100, linkName);
    put(h, 257, 8, gnuMagic ? utf8("ustar  \0") : utf8("ustar\u000000"));
    octal(h, 329, 8, 0);
    octal(h, 337, 8, 0);
    checksum(h);
    out.writeBytes(h);
    out.writeBytes(data);
    out.writeBytes(new byte[(BLOCK - data.length % BLOCK) % BLOCK]);
    return this;
  }

  /** Corrupts the checksum of the header written last, as a bit flip on disk or in transit would. */
  RawTar breakLastChecksum() {
    byte[] all = out.toByteArray();
    int last = lastHeader(all);
    all[last + 148] = (byte) (all[last + 148] == '1' ? '2' : '1');
    out.reset();
    out.writeBytes(all);
    return this;
  }

  /** The archive with its two end-of-archive blocks. */
  byte[] bytes() {
    ByteArrayOutputStream done = new ByteArrayOutputStream();
    done.writeBytes(out.toByteArray());
    done.writeBytes(new byte[2 * BLOCK]);
    return done.toByteArray();
  }

  private int lastHeader(byte[] all) {
    // Headers are the only blocks whose checksum field parses; walk them from the start.
    int pos = 0;
    int last = 0;
    while (pos < all.length) {
      last = pos;
      long size = Long.parseLong(new String(all, pos + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
      pos += BLOCK + (int) ((size + BLOCK - 1) / BLOCK * BLOCK);
    }
    return last;
  }

  private static byte[] paxRecord(String key, byte[] value) {
    // "LEN key=value\n", where LEN counts its own digits.
    int rest = 1 + utf8(key).length + 1 + value.length + 1;
    int len = rest + 1;
    while (Integer.toString(len).length() + rest != len) {
      len++;
    }
    ByteArrayOutputStream r = new ByteArrayOutputStream();
    r.writeBytes(utf8(len + " " + key + "="));
    r.writeBytes(value);
    r.write('\n');
    return r.toByteArray();
  }

  private static void put(byte[] h, int offset, int length, byte[] value) {
    System.arraycopy(value, 0, h, offset, Math.min(length, value.length));
  }

  private static void octal(byte[] h, int offset, int length, long value) {
    String digits = String.format("%0" + (length - 1) + "o", value);
    put(h, offset, length - 1, utf8(digits));
    h[offset + length - 1] = 0;
  }

  private static void checksum(byte[] h) {
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, 7, utf8(String.format("%06o", sum) + "\0"));
  }
}
