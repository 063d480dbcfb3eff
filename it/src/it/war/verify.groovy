// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.war.
dev.lading.it.InvokerChecks.war(basedir.toPath(), registry, stores)
