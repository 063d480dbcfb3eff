// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.fromDockerfile.
dev.lading.it.InvokerChecks.fromDockerfile(basedir.toPath(), registry, stores)
