package dev.lading.maven;

import java.util.ArrayList;
import java.util.List;

/** {@code <extraDirectories>}: directories copied into the image, and file permissions (Jib's form). */
public class ExtraDirectories {
  List<ExtraDirectory> paths = new ArrayList<>();
  List<Permission> permissions = new ArrayList<>();

  /** One {@code <path>}: either a directory ({@code <path>src/main/extra</path>}) or from/into. */
  public static class ExtraDirectory {
    java.io.File from;
    String into = "/";
    /** Globs relative to {@code from} of the files to take, e.g. {@code *.txt,**}{@code /*.txt}; none: all. */
    List<String> includes = new ArrayList<>();
    /** Globs of the files to leave out. */
    List<String> excludes = new ArrayList<>();

    /** The short form: the directory, copied to the image root. */
    public void set(java.io.File directory) {
      this.from = directory;
    }
  }

  /** One {@code <permission>}: an in-image path or glob and an octal mode such as {@code 755}. */
  public static class Permission {
    String file;
    String mode;
  }
}
