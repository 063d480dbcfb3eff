// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.multi.
dev.lading.it.InvokerChecks.multi(basedir.toPath(), registry, stores)
