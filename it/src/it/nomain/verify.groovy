// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.nomain.
dev.lading.it.InvokerChecks.nomain(basedir.toPath(), registry, stores)
