// Checks in Java (it/src/test/java, on the script class path): see InvokerChecks.hello.
dev.lading.it.InvokerChecks.hello(basedir.toPath(), registry, stores)
dev.lading.it.InvokerChecks.helloCodeChange(basedir.toPath(), registry, stores, mavenHome,
    java.nio.file.Path.of(settingsTemplate), outerRepositoryUrl, localRepositoryPath.toPath(), ladingVersion)
