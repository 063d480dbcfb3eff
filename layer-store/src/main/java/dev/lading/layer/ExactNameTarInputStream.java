package dev.lading.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A tar reader that knows the exact bytes of each entry's name and link target, wherever they came
 * from (the ustar header, a GNU long-name entry or a PAX record), and decodes them as strict UTF-8.
 *
 * <p>Why: tar names are bytes. commons-compress decodes ustar names with a lenient charset (an invalid
 * byte becomes {@code ?}) and PAX values as UTF-8 with U+FFFD for invalid bytes (PAX
 * {@code hdrcharset=BINARY}), so a name that is not UTF-8 would silently become another name. Java
 * cannot create a file whose name is not valid in its file-name charset either, so such a name can
 * only be refused, naming it with its bytes escaped. This stream reads headers as ISO-8859-1 (byte for
 * char, lossless) and watches the raw header records and PAX data go by to recover the bytes.
 */
final class ExactNameTarInputStream extends TarArchiveInputStream {
  private static final int TYPEFLAG = 156;
  private static final byte[] POSIX_MAGIC = "ustar\0".getBytes(StandardCharsets.US_ASCII);

  /** Real PAX headers are a few hundred bytes; a larger one is refused rather than buffered. */
  private static final int MAX_PAX_BYTES = 1 << 20;

  private int depth;
  private byte[] lastHeader;
  private ByteArrayOutputStream paxData; // non-null while the data of a PAX header is being read
  private boolean paxIsGlobal;
  private Map<String, byte[]> localPax = Map.of();
  private byte[] gnuLongName;
  private byte[] gnuLongLink;

  ExactNameTarInputStream(InputStream in) {
    super(in, StandardCharsets.ISO_8859_1.name());
  }

  /** The exact name and link target of an entry. */
  record Names(byte[] name, byte[] linkName) {}

  @Override
  public TarArchiveEntry getNextEntry() throws IOException {
    // commons-compress calls this again from within itself to step past PAX and GNU long-name
    // entries: only the outermost call starts a new entry.
    if (depth == 0) {
      localPax = Map.of();
      gnuLongName = null;
      gnuLongLink = null;
    }
    depth++;
    try {
      return super.getNextEntry();
    } finally {
      depth--;
    }
  }

  /** The raw bytes of the current entry's name and link target. */
  Names rawNames() {
    byte[] name = pick("path", gnuLongName, ustarName());
    byte[] link = pick("linkpath", gnuLongLink, field(lastHeader, 157, 100));
    return new Names(name, link);
  }

  /** The raw value of the current entry's own PAX record {@code key} (not a global one), or null. */
  byte[] localPaxRecord(String key) {
    byte[] value = localPax.get(key);
    return value == null ? null : value.clone();
  }

  /**
   * A per-entry PAX record wins over a GNU long name, which wins over the ustar header. A global
   * header's {@code path} is ignored, as container runtimes (Go's archive/tar) ignore global headers:
   * applied to every later entry, it would give them all one name.
   */
  private byte[] pick(String paxKey, byte[] gnu, byte[] header) {
    if (localPax.containsKey(paxKey)) {
      return localPax.get(paxKey);
    }
    return gnu != null ? trimNuls(gnu) : header;
  }

  /**
   * Decodes name bytes as strict UTF-8 that the JVM can also write as a file name ({@code fileNames},
   * its {@code sun.jnu.encoding}).
   *
   * @throws IllegalArgumentException saying why, with the bytes escaped
   */
  static String decode(byte[] raw, Charset fileNames) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the name '" + escape(raw) + "' is not valid UTF-8;"
          + " Lading writes names byte for byte or not at all: rebuild the layer with UTF-8 names");
    }
    if (text.indexOf('\0') >= 0) {
      // A PAX record or a GNU long name can carry one; no file name can.
      throw new IllegalArgumentException("the name '" + escape(raw) + "' holds a NUL byte, which no"
          + " file name can; the layer is corrupt");
    }
    if (text.indexOf('\uFFFD') >= 0) {
      // What a PAX record with hdrcharset=BINARY and invalid bytes decodes to: the bytes are lost.
      throw new IllegalArgumentException("the name '" + escape(raw) + "' holds U+FFFD, the mark of"
          + " bytes that were not valid UTF-8; rebuild the layer with UTF-8 names");
    }
    if (!fileNames.newEncoder().canEncode(text)) {
      throw new IllegalArgumentException("the name '" + escape(raw) + "' cannot be written: this Java"
          + " writes file names in " + fileNames + "; run with a UTF-8 locale (LC_ALL=C.UTF-8)");
    }
    return text;
  }

  /** Printable ASCII as is, every other byte as {@code \xNN}. */
  static String escape(byte[] raw) {
    StringBuilder out = new StringBuilder();
    for (byte b : raw) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        out.append((char) c);
      } else {
        out.append(String.format("\\x%02x", c));
      }
    }
    return out.toString();
  }

  @Override
  protected byte[] readRecord() throws IOException {
    finishPaxData();
    byte[] record = super.readRecord();
    if (record != null && !isEOFRecord(record)) {
      if (!checksumMatches(record)) {
        // commons-compress does not check it; GNU tar and Go refuse such a header, and so do we.
        throw new IOException("a tar header's checksum does not match its bytes");
      }
      lastHeader = record;
      byte type = record[TYPEFLAG];
      if (type == 'x' || type == 'X' || type == 'g') {
        paxData = new ByteArrayOutputStream();
        paxIsGlobal = type == 'g';
      }
    }
    return record;
  }

  @Override
  protected byte[] getLongNameData() throws IOException {
    TarArchiveEntry header = getCurrentEntry();
    byte[] data = super.getLongNameData();
    if (data != null && header != null) {
      if (header.isGNULongNameEntry()) {
        gnuLongName = data;
      } else if (header.isGNULongLinkEntry()) {
        gnuLongLink = data;
      }
    }
    return data;
  }

  @Override
  public int read(byte[] buf, int offset, int length) throws IOException {
    int n = super.read(buf, offset, length);
    if (n > 0 && paxData != null) {
      if (paxData.size() + n > MAX_PAX_BYTES) {
        throw new IOException("a PAX header larger than " + MAX_PAX_BYTES + " bytes");
      }
      paxData.write(buf, offset, n);
    }
    return n;
  }

  private void finishPaxData() {
    if (paxData == null) {
      return;
    }
    Map<String, byte[]> records = parsePax(paxData.toByteArray());
    paxData = null;
    if (!paxIsGlobal) {
      localPax = records;
    }
  }

  /** PAX records, {@code "LEN key=value\n"}, with raw values; what is malformed commons-compress refuses. */
  private static Map<String, byte[]> parsePax(byte[] data) {
    Map<String, byte[]> records = new HashMap<>();
    int at = 0;
    while (at < data.length) {
      int space = indexOf(data, (byte) ' ', at);
      if (space < 0) {
        break;
      }
      int length;
      try {
        length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        break;
      }
      int end = at + length;
      if (length <= 0 || end > data.length || end <= space + 1) {
        break;
      }
      int equals = indexOf(data, (byte) '=', space + 1);
      if (equals < 0 || equals >= end) {
        break;
      }
      String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
      int valueEnd = data[end - 1] == '\n' ? end - 1 : end;
      records.put(key, Arrays.copyOfRange(data, equals + 1, valueEnd));
      at = end;
    }
    return records;
  }

  /**
   * The header checksum (octal, bytes 148-155): the sum of the header's bytes with the checksum
   * field read as spaces, unsigned, or signed as some old tars computed it.
   */
  static boolean checksumMatches(byte[] header) {
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < header.length; i++) {
      int b = i >= 148 && i < 156 ? ' ' : header[i];
      unsigned += b & 0xff;
      signed += (byte) b;
    }
    String field = new String(header, 148, 8, StandardCharsets.US_ASCII).replace('\0', ' ').trim();
    if (field.isEmpty()) {
      return false;
    }
    try {
      long stored = Long.parseLong(field, 8);
      return stored == unsigned || stored == signed;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private byte[] ustarName() {
    byte[] name = field(lastHeader, 0, 100);
    if (lastHeader != null && Arrays.equals(lastHeader, 257, 263, POSIX_MAGIC, 0, 6)) {
      byte[] prefix = field(lastHeader, 345, 155);
      if (prefix.length > 0) {
        byte[] joined = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
        joined[prefix.length] = '/';
        System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
        return joined;
      }
    }
    return name;
  }

  private static byte[] field(byte[] header, int offset, int length) {
    if (header == null) {
      return new byte[0];
    }
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return Arrays.copyOfRange(header, offset, end);
  }

  private static byte[] trimNuls(byte[] bytes) {
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] == 0) {
      end--;
    }
    return Arrays.copyOf(bytes, end);
  }

  private static int indexOf(byte[] data, byte b, int from) {
    for (int i = from; i < data.length; i++) {
      if (data[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
