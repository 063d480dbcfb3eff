# RUN --mount=type=bind and type=tmpfs: the step sees the context's or an earlier stage's files (with
# that stage's owners) at the target, what it writes there is dropped, and neither the mount nor its
# mount point is in the layer. Targets sit where the image has a directory already: buildah leaves
# the parent directories it made for a mount point in the layer (and, under /tmp, a file mount
# point), BuildKit and Lading remove them.
FROM BASE AS src
RUN mkdir -p /data/sub && echo fromstage > /data/x && chown 5:6 /data/x && chmod 640 /data/x \
    && ln -s x /data/l && echo s > /data/sub/s

FROM BASE
RUN --mount=type=bind,source=ctx.txt,target=/ctx.txt cp /ctx.txt /copied && chmod 600 /copied
RUN --mount=type=bind,target=/ctx,rw echo written > /ctx/new && (cd /ctx && echo *) > /listing
RUN --mount=type=bind,from=src,source=/data,target=/d cp -a /d /dcopy
RUN --mount=type=tmpfs,target=/t echo x > /t/y && mkdir /made
RUN --mount=type=bind,from=src,source=/data/x,target=/x cat /x > /fromfile
