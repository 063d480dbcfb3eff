package dev.lading.build;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UTFDataFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Infers the main class as Jib does when none is configured: the {@code Main-Class} of the project's
 * jar manifest, else the one class in the build output with {@code public static void
 * main(String[])}.
 */
public final class MainClassFinder {
  private MainClassFinder() {}

  /**
   * The main class.
   *
   * @param jar the project's jar, or null when it has not been packaged
   * @param classesDirectory the compiled classes
   * @throws IllegalStateException when there is no candidate or more than one, saying what to set
   */
  public static String find(Path jar, Path classesDirectory) throws IOException {
    if (jar != null && Files.isRegularFile(jar)) {
      try (JarFile file = new JarFile(jar.toFile())) {
        Manifest manifest = file.getManifest();
        String main = manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
        if (main != null && !main.isBlank()) {
          return main.trim();
        }
      }
    }
    List<String> candidates = classesWithMain(classesDirectory);
    if (candidates.size() == 1) {
      return candidates.get(0);
    }
    if (candidates.isEmpty()) {
      throw new IllegalStateException("no main class found: no class in " + classesDirectory
          + " has public static void main(String[]) and the jar manifest names no Main-Class; set"
          + " <container><mainClass> (or -Dimage.container.mainClass=...)");
    }
    throw new IllegalStateException("several classes have a main method (" + String.join(", ", candidates)
        + "); choose one with <container><mainClass>");
  }

  /**
   * Whether {@code mainClass} is on the image's class path: in the compiled classes or in one of the
   * jars. The classes are looked at first (one file check), the jars only when that fails. A class
   * named but absent makes a container that fails at start, so the build can say so at once.
   */
  public static boolean isOnClassPath(String mainClass, Path classesDirectory, List<Path> jars)
      throws IOException {
    String entry = mainClass.replace('.', '/') + ".class";
    if (classesDirectory != null && Files.isRegularFile(classesDirectory.resolve(entry))) {
      return true;
    }
    for (Path jar : jars) {
      if (Files.isRegularFile(jar)) {
        try (JarFile file = new JarFile(jar.toFile())) {
          if (file.getEntry(entry) != null) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** The classes below {@code dir} that declare {@code public static void main(String[])}, sorted. */
  public static List<String> classesWithMain(Path dir) throws IOException {
    List<String> result = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return result;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class")).sorted()::iterator) {
        try {
          mainClassName(Files.readAllBytes(p)).ifPresent(result::add);
        } catch (EOFException | UTFDataFormatException notAClassFile) {
          // Truncated or not a class file at all (a stray *.class resource): it cannot be run either.
        }
      }
    }
    return result;
  }

  /** The class's name (dotted) when it declares {@code public static void main(String[])}. */
  static Optional<String> mainClassName(byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      return Optional.empty();
    }
    in.readUnsignedShort();
    in.readUnsignedShort();
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    int[] classNameIndex = new int[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 7 -> classNameIndex[i] = in.readUnsignedShort();
        case 8, 16, 19, 20 -> in.readUnsignedShort();
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++; // longs and doubles take two slots
        }
        case 15 -> {
          in.readUnsignedByte();
          in.readUnsignedShort();
        }
        default -> {
          return Optional.empty(); // a constant we do not know: not a class we can judge
        }
      }
    }
    int access = in.readUnsignedShort();
    int thisClass = in.readUnsignedShort();
    in.readUnsignedShort();
    skip(in, in.readUnsignedShort() * 2);
    int fields = in.readUnsignedShort();
    for (int i = 0; i < fields; i++) {
      skip(in, 6);
      skipAttributes(in);
    }
    int methods = in.readUnsignedShort();
    boolean hasMain = false;
    for (int i = 0; i < methods; i++) {
      int flags = in.readUnsignedShort();
      String name = utf8[in.readUnsignedShort()];
      String descriptor = utf8[in.readUnsignedShort()];
      skipAttributes(in);
      // ACC_PUBLIC | ACC_STATIC
      if ((flags & 0x0009) == 0x0009 && "main".equals(name) && "([Ljava/lang/String;)V".equals(descriptor)) {
        hasMain = true;
      }
    }
    // ACC_PUBLIC class, not an interface, annotation or module
    if (!hasMain || (access & 0x0001) == 0 || (access & 0xA200) != 0) {
      return Optional.empty();
    }
    return Optional.of(utf8[classNameIndex[thisClass]].replace('/', '.'));
  }

  private static void skipAttributes(DataInputStream in) throws IOException {
    int count = in.readUnsignedShort();
    for (int i = 0; i < count; i++) {
      in.readUnsignedShort();
      skip(in, in.readInt());
    }
  }

  private static void skip(InputStream in, long n) throws IOException {
    in.skipNBytes(n);
  }
}
