package dev.lading.maven;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code <credHelper>} of {@code <from>} or {@code <to>}, in either of Jib's forms: the helper alone,
 * {@code <credHelper>ecr-login</credHelper>}, or with an environment for it,
 * {@code <credHelper><helper>ecr-login</helper><environment><AWS_PROFILE>ci</AWS_PROFILE></environment></credHelper>}.
 * The helper is its suffix ({@code docker-credential-<suffix>} on the PATH) or a path.
 */
public class CredHelper {
  String helper;
  Map<String, String> environment = new LinkedHashMap<>();

  /** The short form: Maven calls this with the element's text. */
  public void set(String helper) {
    this.helper = helper;
  }
}
