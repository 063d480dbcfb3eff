# Absolute and relative symlinks, hardlinks (to a symlink too), modes with setuid, setgid and sticky bits.
FROM BASE
RUN mkdir -p /opt/l && echo data > /opt/l/file && ln -s /opt/l/file /opt/l/abs && ln -s ../l/file /opt/l/rel \
    && ln -s does-not-exist /opt/l/dangling && ln /opt/l/file /opt/l/hard
RUN chmod 4755 /opt/l/file && mkdir -m 1777 /opt/l/tmp && mkdir -m 2775 /opt/l/shared && chmod 0600 /opt/l/rel 2>/dev/null; true
RUN ln /opt/l/file /opt/l/hard-later
RUN ln -s file /opt/l/sym && ln /opt/l/sym /opt/l/sym-hard
