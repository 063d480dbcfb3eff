// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.packaged.
dev.lading.it.InvokerChecks.packaged(basedir.toPath(), registry, stores)
