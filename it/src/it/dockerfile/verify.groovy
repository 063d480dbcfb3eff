// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.dockerfile.
dev.lading.it.InvokerChecks.dockerfile(basedir.toPath(), registry, stores)
