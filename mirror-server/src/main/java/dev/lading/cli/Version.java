package dev.lading.cli;

import picocli.CommandLine;

/** Reads the version from the jar manifest, so that it never drifts from the build. */
final class Version implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"lading " + (v == null ? "(development build)" : v)};
  }
}
