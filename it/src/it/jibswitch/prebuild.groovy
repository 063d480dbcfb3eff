// What git cannot hold: empty directories, and an executable bit the invoker's copy may drop.
def props = new File(basedir, "props")
new File(props, "src/main/resources/empty").mkdirs()
new File(props, "src/main/jib/var/empty").mkdirs()
new File(props, "src/main/jib/opt/tool/run.sh").setExecutable(true, false)
