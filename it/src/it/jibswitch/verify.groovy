// Checks in Java (it/src/test/java, on the script class path): see JibSwitchChecks.
dev.lading.it.JibSwitchChecks.props(basedir.toPath(), registry, stores)
dev.lading.it.JibSwitchChecks.inherit(basedir.toPath(), registry, stores)
