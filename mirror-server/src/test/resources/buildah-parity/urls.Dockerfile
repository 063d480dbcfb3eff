# ADD of an http URL as buildah does it: the download is a file of mode 0600 (or --chmod) owned by
# root (or --chown), named after the URL's last path part in a destination directory, never
# extracted, redirects followed.
FROM BASE
ADD URLBASE/files/agent.jar /opt/agent/
ADD --chmod=644 --chown=7:8 URLBASE/redirect /opt/renamed.jar
ADD URLBASE/files/app.tar.gz /opt/archives/
