// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.offline.
dev.lading.it.InvokerChecks.offline(basedir.toPath(), registry, stores)
