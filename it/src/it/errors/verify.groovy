// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.errors.
dev.lading.it.InvokerChecks.errors(basedir.toPath(), registry, stores)
