# RUN as a user other than root: what it makes is that user's (with USER's group, or root's group 0
# when USER names no group), a set-group-ID directory gives its group (and, to a directory, its bit)
# to what is made in it, and a file deleted and made again is new (the file system may hand it the
# old inode).
FROM BASE
RUN mkdir -p /data /shared /open && chown 1234:2345 /data && chown 0:50 /shared && chmod 2777 /shared \
    && chmod 1777 /open && touch /shared/rootfile && mkdir /shared/rootdir && touch /data/old && chown 7:8 /data/old
USER 1234:2345
RUN touch /data/x && mkdir /data/d && ln -s x /data/l && touch /shared/appfile && mkdir -p /shared/appdir/sub \
    && touch /open/f && rm /data/old && touch /data/old && echo hi > /data/x2 && ln /data/x2 /data/x3
USER 1234
RUN touch /open/g && mkdir /open/h
USER 0
RUN touch /shared/root2 && mkdir /shared/rootdir2
