package dev.lading.maven;

/**
 * {@code <auth>} of {@code <from>} or {@code <to>}: a user name and password for that image's registry
 * (Jib's form), e.g. {@code <password>${env.REGISTRY_PASSWORD}</password>}.
 */
public class Auth {
  String username;
  String password;
}
