// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.mirrorImage.
dev.lading.it.InvokerChecks.mirrorImage(basedir.toPath(), registry, stores)
